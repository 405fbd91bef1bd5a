CREATE TABLE `payment_charges` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`token` text NOT NULL,
	`brand` text NOT NULL,
	`last4` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`message` text,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "payment_charges_refund_range" CHECK("payment_charges"."refunded_cents" >= 0 AND "payment_charges"."refunded_cents" <= "payment_charges"."amount_cents")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_charges_store_key_unique` ON `payment_charges` (`store_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `payment_charges_store_created_idx` ON `payment_charges` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `payment_refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`charge_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_refunds_store_key_unique` ON `payment_refunds` (`store_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `payment_refunds_charge_idx` ON `payment_refunds` (`charge_id`);