-- Hand-added before the generated drops: dead order events move to the kernel's dead_letters.
INSERT OR IGNORE INTO `dead_letters` (`id`, `queue`, `store_id`, `message_id`, `body`, `reason`, `attempts`, `created_at`)
SELECT 'dlq_' || `message_id`, 'order-events-dlq', `store_id`, `message_id`, `body`, 'retries exhausted', `attempts`, `dead_at` FROM `order_dead_events`;--> statement-breakpoint
DROP TABLE `order_dead_events`;--> statement-breakpoint
DROP TABLE `orders`;
