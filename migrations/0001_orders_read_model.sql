CREATE TABLE `order_dead_events` (
	`message_id` text PRIMARY KEY NOT NULL,
	`event_id` text,
	`event_type` text,
	`store_id` text,
	`order_id` text,
	`order_version` integer,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`dead_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_dead_events_dead_at_idx` ON `order_dead_events` (`dead_at`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`status` text NOT NULL,
	`customer_id` text,
	`currency` text NOT NULL,
	`subtotal_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`line_count` integer NOT NULL,
	`lines` text NOT NULL,
	`notes` text,
	`metadata` text NOT NULL,
	`cancellation_reason` text,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`confirmed_at` text,
	`closed_at` text,
	`shipped_at` text,
	`delivered_at` text,
	`canceled_at` text,
	`last_event_id` text NOT NULL,
	`projected_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_store_created_idx` ON `orders` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_store_status_created_idx` ON `orders` (`store_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_store_customer_idx` ON `orders` (`store_id`,`customer_id`);