import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { startSink } from "./scripts/sink-server.mjs";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // A real HTTP receiver on loopback for outbound deliveries (webhooks, coupon realizations).
  const sink = await startSink();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Test-only: lets tests call the Worker's queue() and scheduled() handlers through `exports`.
          compatibilityFlags: ["service_binding_extra_handlers"],
          bindings: {
            TEST_MIGRATIONS: migrations,
            OPERATOR_TOKEN: "test-operator-token",
            SIGNING_SECRET: "test-signing-secret",
            // Tests read confirmation links from the email consumer's local-mode log line.
            EMAIL_LOG_LINKS: "true",
            SINK_URL: sink.url,
            // Webhooks in tests: loopback receivers, immediate retries, disable after 2 failed deliveries.
            ALLOW_LOOPBACK_WEBHOOKS: "true",
            WEBHOOK_RETRY_BASE_SECONDS: "0",
            WEBHOOK_DISABLE_AFTER_FAILURES: "2",
            WEBHOOK_DISABLE_AFTER_SECONDS: "0",
            WEBHOOK_TIMEOUT_MS: "1500",
            // Coupon realizations in tests: immediate retries, a short timeout.
            COUPON_RETRY_BASE_SECONDS: "0",
            COUPON_REALIZER_TIMEOUT_MS: "1500",
          },
        },
      }),
    ],
    test: {
      include: ["tests/**/*.test.ts"],
      setupFiles: ["./tests/setup/apply-migrations.ts"],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
