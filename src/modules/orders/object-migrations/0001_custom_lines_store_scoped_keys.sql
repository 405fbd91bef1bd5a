-- Edited after drizzle-kit generate: no PRAGMA (the object's SQLite refuses it, and there are no foreign keys);
-- keys that two credentials of one store used collapse to the newest record; old lines are catalog lines (custom = 0).
CREATE TABLE `__new_idempotency_records` (
	`method` text NOT NULL,
	`route` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`method`, `route`, `idempotency_key`)
);
--> statement-breakpoint
INSERT OR IGNORE INTO `__new_idempotency_records`("method", "route", "idempotency_key", "request_hash", "status", "body", "created_at") SELECT "method", "route", "idempotency_key", "request_hash", "status", "body", "created_at" FROM `idempotency_records` ORDER BY "created_at" DESC;--> statement-breakpoint
DROP TABLE `idempotency_records`;--> statement-breakpoint
ALTER TABLE `__new_idempotency_records` RENAME TO `idempotency_records`;--> statement-breakpoint
CREATE INDEX `idempotency_records_created` ON `idempotency_records` (`created_at`);--> statement-breakpoint
CREATE TABLE `__new_order_lines` (
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`id` text NOT NULL,
	`product_id` text,
	`title` text,
	`custom` integer DEFAULT false NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	PRIMARY KEY(`order_id`, `position`)
);
--> statement-breakpoint
INSERT INTO `__new_order_lines`("order_id", "position", "id", "product_id", "title", "custom", "quantity", "unit_price_cents", "total_cents") SELECT "order_id", "position", "id", "product_id", "title", 0, "quantity", "unit_price_cents", "total_cents" FROM `order_lines`;--> statement-breakpoint
DROP TABLE `order_lines`;--> statement-breakpoint
ALTER TABLE `__new_order_lines` RENAME TO `order_lines`;