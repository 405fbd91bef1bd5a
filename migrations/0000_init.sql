CREATE TABLE `credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text,
	`secret_hash` text NOT NULL,
	`display_prefix` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credentials_secret_hash_unique` ON `credentials` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `credentials_store_kind_created_idx` ON `credentials` (`store_id`,`kind`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `credentials_expires_idx` ON `credentials` (`expires_at`) WHERE "credentials"."expires_at" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `stores` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tagline` text,
	`currency` text NOT NULL,
	`app_id` text NOT NULL,
	`app_secret_hash` text NOT NULL,
	`credit_order_preference` text DEFAULT 'gift_card_first' NOT NULL,
	`require_email_confirmation` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stores_app_id_unique` ON `stores` (`app_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`request_hash` text NOT NULL,
	`state` text NOT NULL,
	`response_status` integer,
	`response_headers` text,
	`response_body` text,
	`created_at` text NOT NULL,
	`locked_until` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);