import type { D1Migration } from "cloudflare:test";
import type { Settings } from "../src/context";

declare global {
  namespace Cloudflare {
    // The Worker's bindings and the `exports` typing come from worker-configuration.d.ts.
    interface Env extends Settings {
      TEST_MIGRATIONS: D1Migration[];
      /** Origin of the programmable HTTP receiver (scripts/sink-server.mjs) started for this test run. */
      SINK_URL: string;
    }
  }
}
