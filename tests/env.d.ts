import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../src/context";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      /** Types `exports` (the Worker's loopback entry) from the real entry module. */
      mainModule: typeof import("../src/index");
    }
  }
}
