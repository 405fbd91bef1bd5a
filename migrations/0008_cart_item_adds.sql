CREATE TABLE `cart_item_adds` (
	`store_id` text NOT NULL,
	`day` text NOT NULL,
	`product_id` text NOT NULL,
	`adds` integer NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`store_id`, `day`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `cart_item_adds_rank_idx` ON `cart_item_adds` (`store_id`,`day`,`adds`,`product_id`);