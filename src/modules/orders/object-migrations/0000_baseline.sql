CREATE TABLE `idempotency_records` (
	`credential_id` text NOT NULL,
	`method` text NOT NULL,
	`route` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`credential_id`, `method`, `route`, `idempotency_key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_records_created` ON `idempotency_records` (`created_at`);--> statement-breakpoint
CREATE TABLE `order_lines` (
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`id` text NOT NULL,
	`product_id` text NOT NULL,
	`title` text,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	PRIMARY KEY(`order_id`, `position`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`customer_id` text,
	`currency` text NOT NULL,
	`subtotal_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
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
	`canceled_at` text
);
--> statement-breakpoint
CREATE INDEX `orders_created` ON `orders` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_status_created` ON `orders` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_customer_created` ON `orders` (`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_shipped` ON `orders` (`shipped_at`) WHERE shipped_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `orders_delivered` ON `orders` (`delivered_at`) WHERE delivered_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `orders_canceled` ON `orders` (`canceled_at`) WHERE canceled_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`order_id` text NOT NULL,
	`order_version` integer NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_id_unique` ON `outbox` (`id`);--> statement-breakpoint
CREATE INDEX `outbox_undelivered` ON `outbox` (`seq`) WHERE delivered_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_delivered` ON `outbox` (`delivered_at`) WHERE delivered_at IS NOT NULL;