import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Idempotency records for D1-backed POSTs. `id` is a SHA-256 of (scope, method, route, key) so the
 * raw key is never stored; the response body is AES-GCM encrypted because it may carry a secret
 * that is shown once (a new API key).
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_flight", "done"] }).notNull(),
    responseStatus: integer("response_status"),
    responseHeaders: text("response_headers"),
    responseBody: text("response_body"),
    createdAt: text("created_at").notNull(),
    lockedUntil: text("locked_until").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("idempotency_keys_expires_idx").on(t.expiresAt)],
);
