// The OpenAPI document exactly as a deploy would serve it: builds the Worker (wrangler --dry-run),
// serves it on workerd through miniflare (the Worker's fetch is not callable from Node otherwise)
// and fetches /openapi.json. Used by lint-openapi.mjs and gen-client.mjs.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export const root = path.resolve(import.meta.dirname, "..");
export const bin = (name) => path.join(root, "node_modules", ".bin", name);

export async function fetchOpenApiDocument() {
  const quiet = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  // Inside the project: workerd refuses module paths that climb out of the working directory.
  mkdirSync(path.join(root, ".wrangler"), { recursive: true });
  const work = mkdtempSync(path.join(root, ".wrangler", "openapi-"));
  let mf;
  try {
    execFileSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", work, "--config", "wrangler.toml"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: quiet,
    });
    const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
    const { modulesRules: _rules, ...options } = workerOptions;
    mf = new Miniflare(
      convertV4MiniflareOptions({
        logRequests: false,
        telemetry: { enabled: false },
        workers: [
          {
            ...options,
            name: "edgeshop-openapi",
            modules: true,
            scriptPath: path.join(work, "index.js"),
            bindings: { ...(options.bindings ?? {}), SIGNING_SECRET: "openapi-document" },
          },
        ],
      }),
    );
    const res = await mf.dispatchFetch("http://localhost/openapi.json");
    if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
    return await res.json();
  } finally {
    await mf?.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}
