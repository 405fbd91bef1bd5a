import { defineConfig } from "drizzle-kit";
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/modules/orders/orders.object-tables.ts",
  out: "./src/modules/orders/object-migrations",
});
