#!/usr/bin/env node
// `npm start`: local D1 migrations, then `wrangler dev` on http://127.0.0.1:$PORT (default 8787).
// Makes .dev.vars from .dev.vars.example when it is missing, and points PUBLIC_BASE_URL (the origin
// in email links) at the port actually served. Offline: no Request.cf fetch, no metrics.
//   npm start              PORT=8788 npm start
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
if (!/^\d{1,5}$/.test(port)) {
  console.error(`PORT must be a port number, got "${port}"`);
  process.exit(1);
}
const wrangler = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "wrangler.cmd" : "wrangler");
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const state = [".wrangler", "state"].join("/");

if (!existsSync(path.join(root, ".dev.vars"))) {
  copyFileSync(path.join(root, ".dev.vars.example"), path.join(root, ".dev.vars"));
  console.log("Created .dev.vars from .dev.vars.example (local values only; git ignores it).");
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, CI: "1" },
  shell: process.platform === "win32",
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const base = `http://127.0.0.1:${port}`;
const dev = spawn(
  wrangler,
  ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", state, "--var", `PUBLIC_BASE_URL:${base}`],
  { cwd: root, stdio: "inherit", env, shell: process.platform === "win32" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
