CREATE TABLE `loyalty_accounts` (
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`stamps` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`store_id`, `customer_id`)
);
--> statement-breakpoint
CREATE TABLE `loyalty_programs` (
	`store_id` text NOT NULL,
	`version` integer NOT NULL,
	`enabled` integer NOT NULL,
	`earn_product_ids` text NOT NULL,
	`earn_tags` text NOT NULL,
	`stamps_per_unit` integer NOT NULL,
	`stamps_per_voucher` integer NOT NULL,
	`voucher_amount_off_cents` integer,
	`voucher_percent_off` integer,
	`voucher_currency` text,
	`voucher_expiry_days` integer,
	`earn_on` text NOT NULL,
	`valid_from` text NOT NULL,
	PRIMARY KEY(`store_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `loyalty_programs_valid_idx` ON `loyalty_programs` (`store_id`,`valid_from`);--> statement-breakpoint
CREATE TABLE `stamp_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`stamps` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`order_id` text,
	`vouchers` integer DEFAULT 0 NOT NULL,
	`reason` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stamp_ledger_customer_idx` ON `stamp_ledger` (`store_id`,`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `stamp_ledger_order_kind_unique` ON `stamp_ledger` (`store_id`,`order_id`,`kind`) WHERE order_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `vouchers` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`code` text NOT NULL,
	`source` text NOT NULL,
	`amount_off_cents` integer,
	`percent_off` integer,
	`currency` text,
	`expires_at` text,
	`redeemed_at` text,
	`redeemed_reference` text,
	`reason` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vouchers_store_code_unique` ON `vouchers` (`store_id`,`code`);--> statement-breakpoint
CREATE INDEX `vouchers_customer_idx` ON `vouchers` (`store_id`,`customer_id`,`created_at`,`id`);