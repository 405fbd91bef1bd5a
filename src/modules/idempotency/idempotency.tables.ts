import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Idempotency records of D1-backed writes. `id` is a SHA-256 of (store, method, route, key) so the raw
 * key is never stored. A record is claimed `in_flight` by one request (`holder`) and becomes `done`
 * in the same batch as the effect it guards, carrying what the response is rendered from:
 * `result` (AES-GCM encrypted: it may hold a secret shown once) and `snapshot` (JSON the batch itself
 * computed, e.g. a balance after a guarded update; never a secret).
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: text("id").primaryKey(),
    storeId: text("store_id").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_flight", "done"] }).notNull(),
    holder: text("holder"),
    result: text("result"),
    snapshot: text("snapshot"),
    createdAt: text("created_at").notNull(),
    lockedUntil: text("locked_until").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("idempotency_keys_expires_idx").on(t.expiresAt)],
);
