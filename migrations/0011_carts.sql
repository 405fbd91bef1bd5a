CREATE TABLE `carts` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text,
	`state` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `carts_one_open_per_customer` ON `carts` (`store_id`,`customer_id`) WHERE state = 'open' AND customer_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `carts_store_created_idx` ON `carts` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `carts_open_expiry_idx` ON `carts` (`expires_at`) WHERE state = 'open';--> statement-breakpoint
ALTER TABLE `stores` ADD `tax_rate_bps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `shipping_flat_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `free_shipping_over_cents` integer;--> statement-breakpoint
ALTER TABLE `stores` ADD `cart_expiry_seconds` integer DEFAULT 604800 NOT NULL;--> statement-breakpoint
ALTER TABLE `stores` ADD `max_item_quantity` integer DEFAULT 100 NOT NULL;