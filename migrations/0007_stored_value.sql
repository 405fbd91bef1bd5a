CREATE TABLE `gift_card_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`gift_card_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_after_cents` integer NOT NULL,
	`reference` text,
	`reverses_id` text,
	`reversed_cents` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "gift_card_ledger_reversed_range" CHECK("gift_card_ledger"."reversed_cents" >= 0 AND "gift_card_ledger"."reversed_cents" <= "gift_card_ledger"."amount_cents")
);
--> statement-breakpoint
CREATE INDEX `gift_card_ledger_card_idx` ON `gift_card_ledger` (`gift_card_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `gift_cards` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`last4` text NOT NULL,
	`currency` text NOT NULL,
	`initial_cents` integer NOT NULL,
	`balance_cents` integer NOT NULL,
	`gifter_customer_id` text,
	`recipient_customer_id` text,
	`note` text,
	`expires_at` text,
	`voided_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "gift_cards_balance_range" CHECK("gift_cards"."balance_cents" >= 0 AND "gift_cards"."balance_cents" <= "gift_cards"."initial_cents")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gift_cards_store_code_unique` ON `gift_cards` (`store_id`,`code_hash`);--> statement-breakpoint
CREATE INDEX `gift_cards_store_created_idx` ON `gift_cards` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `gift_cards_gifter_idx` ON `gift_cards` (`store_id`,`gifter_customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `gift_cards_recipient_idx` ON `gift_cards` (`store_id`,`recipient_customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `credit_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`credit_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_after_cents` integer NOT NULL,
	`reference` text,
	`reverses_id` text,
	`reversed_cents` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "credit_ledger_reversed_range" CHECK("credit_ledger"."reversed_cents" >= 0 AND "credit_ledger"."reversed_cents" <= "credit_ledger"."amount_cents")
);
--> statement-breakpoint
CREATE INDEX `credit_ledger_credit_idx` ON `credit_ledger` (`credit_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `customer_credits` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_cents` integer NOT NULL,
	`reason` text NOT NULL,
	`expires_at` text,
	`voided_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "customer_credits_balance_range" CHECK("customer_credits"."balance_cents" >= 0 AND "customer_credits"."balance_cents" <= "customer_credits"."amount_cents")
);
--> statement-breakpoint
CREATE INDEX `customer_credits_customer_idx` ON `customer_credits` (`store_id`,`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `coupon_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`code` text NOT NULL,
	`percent_off` integer,
	`amount_off_cents` integer,
	`currency` text,
	`min_subtotal_cents` integer,
	`expires_at` text,
	`usage_limit` integer,
	`per_customer_limit` integer,
	`first_order_only` integer DEFAULT false NOT NULL,
	`times_redeemed` integer DEFAULT 0 NOT NULL,
	`voided_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "coupon_codes_usage_range" CHECK("coupon_codes"."times_redeemed" >= 0 AND ("coupon_codes"."usage_limit" IS NULL OR "coupon_codes"."times_redeemed" <= "coupon_codes"."usage_limit"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `coupon_codes_store_code_unique` ON `coupon_codes` (`store_id`,`code`) WHERE voided_at IS NULL;--> statement-breakpoint
CREATE INDEX `coupon_codes_store_created_idx` ON `coupon_codes` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `coupon_redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`coupon_id` text NOT NULL,
	`customer_id` text,
	`reference` text,
	`discount_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`created_at` text NOT NULL,
	`reversed_at` text
);
--> statement-breakpoint
CREATE INDEX `coupon_redemptions_coupon_idx` ON `coupon_redemptions` (`coupon_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `coupon_redemptions_customer_idx` ON `coupon_redemptions` (`coupon_id`,`customer_id`) WHERE reversed_at IS NULL;