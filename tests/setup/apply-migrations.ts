import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// A suite that ran with no schema would fail in confusing ways; fail loudly instead.
if (env.TEST_MIGRATIONS.length === 0) throw new Error("No D1 migrations were loaded from migrations/");
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
