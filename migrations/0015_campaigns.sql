CREATE TABLE `brand_discounts` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`brand_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`type` text NOT NULL,
	`amount` integer,
	`currency` text,
	`free_shipping` integer DEFAULT false NOT NULL,
	`usage_limit` integer DEFAULT 1 NOT NULL,
	`starts_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`fixed_code` text,
	`code_length` integer,
	`code_alphabet` text,
	`code_prefix` text,
	`max_fans` integer NOT NULL,
	`fan_count` integer DEFAULT 0 NOT NULL,
	`verify_email` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	CONSTRAINT "brand_discounts_fan_count" CHECK("brand_discounts"."fan_count" >= 0 AND "brand_discounts"."fan_count" <= "brand_discounts"."max_fans"),
	CONSTRAINT "brand_discounts_usage_limit" CHECK("brand_discounts"."usage_limit" >= 1)
);
--> statement-breakpoint
CREATE INDEX `brand_discounts_brand_created_idx` ON `brand_discounts` (`brand_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE TABLE `brands` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`name` text NOT NULL,
	`realizer_url` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`previous_secret_ciphertext` text,
	`previous_secret_expires_at` text,
	`verify_email` integer DEFAULT false NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `brands_store_created_idx` ON `brands` (`store_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE TABLE `campaign_coupons` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`brand_id` text NOT NULL,
	`discount_id` text NOT NULL,
	`fan_id` text NOT NULL,
	`code_ciphertext` text NOT NULL,
	`code_hash` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_response_status` integer,
	`next_attempt_at` text,
	`locked_until` text,
	`realized_at` text,
	`failed_at` text,
	`dead_lettered_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_coupons_fan_unique` ON `campaign_coupons` (`fan_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_coupons_discount_code_unique` ON `campaign_coupons` (`discount_id`,`code_hash`);--> statement-breakpoint
CREATE INDEX `campaign_coupons_discount_created_idx` ON `campaign_coupons` (`discount_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `campaign_coupons_discount_status_idx` ON `campaign_coupons` (`discount_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `campaign_coupons_pending_idx` ON `campaign_coupons` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `fans` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`brand_id` text NOT NULL,
	`discount_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`email_normalized` text NOT NULL,
	`social_handle` text,
	`status` text NOT NULL,
	`token_hash` text,
	`token_expires_at` text,
	`verified_at` text,
	`email_delivery_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fans_discount_email_unique` ON `fans` (`discount_id`,`email_normalized`);--> statement-breakpoint
CREATE UNIQUE INDEX `fans_token_unique` ON `fans` (`token_hash`);--> statement-breakpoint
CREATE INDEX `fans_discount_created_idx` ON `fans` (`discount_id`,`created_at`,`id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_email_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text,
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
INSERT INTO `__new_email_deliveries`("id", "store_id", "customer_id", "kind", "to_email", "status", "payload", "attempts", "last_error", "locked_until", "created_at", "updated_at", "delivered_at") SELECT "id", "store_id", "customer_id", "kind", "to_email", "status", "payload", "attempts", "last_error", "locked_until", "created_at", "updated_at", "delivered_at" FROM `email_deliveries`;--> statement-breakpoint
DROP TABLE `email_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_email_deliveries` RENAME TO `email_deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `email_deliveries_store_customer_idx` ON `email_deliveries` (`store_id`,`customer_id`,`created_at`);