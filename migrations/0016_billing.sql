CREATE TABLE `invoice_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`position` integer NOT NULL,
	`kind` text NOT NULL,
	`product_id` text,
	`title` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	`restocked_quantity` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "invoice_lines_refund_range" CHECK("invoice_lines"."refunded_cents" >= 0 AND ("invoice_lines"."amount_cents" < 0 OR "invoice_lines"."refunded_cents" <= "invoice_lines"."amount_cents")),
	CONSTRAINT "invoice_lines_restock_range" CHECK("invoice_lines"."restocked_quantity" >= 0 AND "invoice_lines"."restocked_quantity" <= "invoice_lines"."quantity")
);
--> statement-breakpoint
CREATE INDEX `invoice_lines_invoice_idx` ON `invoice_lines` (`invoice_id`,`position`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`checkout_id` text,
	`cart_id` text,
	`customer_id` text,
	`order_id` text,
	`email` text,
	`currency` text NOT NULL,
	`state` text NOT NULL,
	`subtotal_cents` integer NOT NULL,
	`discount_cents` integer NOT NULL,
	`tax_cents` integer NOT NULL,
	`shipping_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`gift_card_cents` integer DEFAULT 0 NOT NULL,
	`credit_cents` integer DEFAULT 0 NOT NULL,
	`payment_cents` integer DEFAULT 0 NOT NULL,
	`refunded_cents` integer DEFAULT 0 NOT NULL,
	`sources` text DEFAULT '[]' NOT NULL,
	`coupon_redemption_id` text,
	`coupon_code` text,
	`payment_method` text,
	`payment_brand` text,
	`payment_last4` text,
	`payment_token` text,
	`charge_id` text,
	`payment_status` text DEFAULT 'none' NOT NULL,
	`failure_message` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`collected_at` text,
	`failed_at` text,
	CONSTRAINT "invoices_refund_range" CHECK("invoices"."refunded_cents" >= 0 AND "invoices"."refunded_cents" <= "invoices"."total_cents")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_checkout_unique` ON `invoices` (`checkout_id`);--> statement-breakpoint
CREATE INDEX `invoices_store_created_idx` ON `invoices` (`store_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `invoices_store_state_idx` ON `invoices` (`store_id`,`state`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `invoices_customer_idx` ON `invoices` (`store_id`,`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`destination` text NOT NULL,
	`payment_cents` integer DEFAULT 0 NOT NULL,
	`gift_card_cents` integer DEFAULT 0 NOT NULL,
	`credit_cents` integer DEFAULT 0 NOT NULL,
	`store_credit_cents` integer DEFAULT 0 NOT NULL,
	`lines` text DEFAULT '[]' NOT NULL,
	`sources` text DEFAULT '[]' NOT NULL,
	`reason` text,
	`status` text NOT NULL,
	`provider_refund_id` text,
	`failure_message` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "refunds_positive" CHECK("refunds"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE INDEX `refunds_invoice_idx` ON `refunds` (`invoice_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `stores` ADD `stored_value_order` text DEFAULT 'gift_cards_first' NOT NULL;