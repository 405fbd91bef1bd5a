CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`store_id` text,
	`message_id` text NOT NULL,
	`body` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_queue_message_idx` ON `dead_letters` (`queue`,`message_id`);--> statement-breakpoint
CREATE INDEX `dead_letters_store_created_idx` ON `dead_letters` (`store_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`type` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`resource_version` integer,
	`created_at` text NOT NULL,
	`data` text NOT NULL,
	`published_at` text
);
--> statement-breakpoint
CREATE INDEX `events_store_created_idx` ON `events` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `events_unpublished_idx` ON `events` (`published_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `handled_events` (
	`handler` text NOT NULL,
	`event_id` text NOT NULL,
	`handled_at` text NOT NULL,
	PRIMARY KEY(`handler`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `daily_event_counts` (
	`store_id` text NOT NULL,
	`day` text NOT NULL,
	`type` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`store_id`, `day`, `type`)
);
--> statement-breakpoint
-- Records of the previous format cannot be replayed by the new kernel: let their keys be reused.
DELETE FROM `idempotency_keys`;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `holder` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `result` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `snapshot` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` DROP COLUMN `response_status`;--> statement-breakpoint
ALTER TABLE `idempotency_keys` DROP COLUMN `response_headers`;--> statement-breakpoint
ALTER TABLE `idempotency_keys` DROP COLUMN `response_body`;