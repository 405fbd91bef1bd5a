CREATE TABLE `inventory_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`product_id` text NOT NULL,
	`delta` integer NOT NULL,
	`quantity_after` integer NOT NULL,
	`kind` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_ledger_product_created_idx` ON `inventory_ledger` (`store_id`,`product_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `product_tags` (
	`store_id` text NOT NULL,
	`product_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`product_id`, `tag`)
);
--> statement-breakpoint
CREATE INDEX `product_tags_store_tag_idx` ON `product_tags` (`store_id`,`tag`,`product_id`);--> statement-breakpoint
CREATE TABLE `products` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`store_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`vendor` text,
	`product_type` text,
	`sku` text,
	`price_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`inventory` integer DEFAULT 0 NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	CONSTRAINT "products_inventory_non_negative" CHECK(inventory >= 0),
	CONSTRAINT "products_price_non_negative" CHECK(price_cents >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_id_unique` ON `products` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `products_store_sku_unique` ON `products` (`store_id`,`sku`) WHERE deleted_at IS NULL AND sku IS NOT NULL;--> statement-breakpoint
CREATE INDEX `products_store_created_idx` ON `products` (`store_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `products_store_vendor_idx` ON `products` (`store_id`,`vendor`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `products_store_type_idx` ON `products` (`store_id`,`product_type`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `products_store_updated_idx` ON `products` (`store_id`,`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE TABLE `confirmation_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`email_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `confirmation_tokens_token_hash_unique` ON `confirmation_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `confirmation_tokens_expires_idx` ON `confirmation_tokens` (`expires_at`);--> statement-breakpoint
CREATE TABLE `customer_addresses` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`name` text,
	`company` text,
	`line1` text NOT NULL,
	`line2` text,
	`city` text NOT NULL,
	`state` text,
	`postal_code` text,
	`country` text NOT NULL,
	`phone` text,
	`is_primary` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_addresses_one_primary` ON `customer_addresses` (`customer_id`) WHERE is_primary = 1 AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `customer_addresses_customer_idx` ON `customer_addresses` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `customer_emails` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`email` text NOT NULL,
	`email_normalized` text NOT NULL,
	`is_primary` integer DEFAULT false NOT NULL,
	`confirmed_at` text,
	`created_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_emails_store_email_unique` ON `customer_emails` (`store_id`,`email_normalized`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `customer_emails_one_primary` ON `customer_emails` (`customer_id`) WHERE is_primary = 1 AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `customer_emails_customer_idx` ON `customer_emails` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `customer_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_sessions_token_hash_unique` ON `customer_sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `customer_sessions_customer_idx` ON `customer_sessions` (`customer_id`);--> statement-breakpoint
CREATE INDEX `customer_sessions_expires_idx` ON `customer_sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`email` text NOT NULL,
	`currency` text NOT NULL,
	`password_hash` text,
	`total_spent_cents` integer DEFAULT 0 NOT NULL,
	`last_order_at` text,
	`confirmed_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `customers_store_created_idx` ON `customers` (`store_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE TABLE `email_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`to_email` text NOT NULL,
	`status` text NOT NULL,
	`payload` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`locked_until` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`delivered_at` text
);
--> statement-breakpoint
CREATE INDEX `email_deliveries_store_customer_idx` ON `email_deliveries` (`store_id`,`customer_id`,`created_at`);