import type { D1Migration } from "cloudflare:test";
import type { Bindings } from "../src/context";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
    }
    // Types `exports.default` from "cloudflare:workers" as the Worker entry.
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
