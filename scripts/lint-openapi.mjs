#!/usr/bin/env node
// Builds the Worker exactly as a deploy would (wrangler --dry-run), serves it on workerd through
// miniflare (the Worker's fetch is not callable from Node otherwise), fetches /openapi.json and lints
// it with Spectral (.spectral.yaml, extends spectral:oas). Exits non-zero on any error.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const quiet = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
// Inside the project: workerd refuses module paths that climb out of the working directory.
mkdirSync(path.join(root, ".wrangler"), { recursive: true });
const work = mkdtempSync(path.join(root, ".wrangler", "openapi-lint-"));

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
          bindings: { ...(options.bindings ?? {}), SIGNING_SECRET: "lint-openapi" },
        },
      ],
    }),
  );
  const res = await mf.dispatchFetch("http://localhost/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  const documentPath = path.join(work, "openapi.json");
  writeFileSync(documentPath, JSON.stringify(await res.json(), null, 2));
  const lint = spawnSync(
    bin("spectral"),
    ["lint", documentPath, "--ruleset", path.join(root, ".spectral.yaml"), "--fail-severity", "error", ...process.argv.slice(2)],
    { cwd: root, stdio: "inherit" },
  );
  process.exitCode = lint.status ?? 1;
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await mf?.dispose();
  rmSync(work, { recursive: true, force: true });
}
