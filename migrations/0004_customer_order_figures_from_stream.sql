ALTER TABLE `customers` DROP COLUMN `total_spent_cents`;--> statement-breakpoint
ALTER TABLE `customers` DROP COLUMN `last_order_at`;