#!/usr/bin/env node
// Lints the served /openapi.json with Spectral (.spectral.yaml, extends spectral:oas). Exits
// non-zero on any error.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bin, fetchOpenApiDocument, root } from "./openapi-document.mjs";

const work = mkdtempSync(path.join(os.tmpdir(), "edgeshop-lint-"));
try {
  const documentPath = path.join(work, "openapi.json");
  writeFileSync(documentPath, JSON.stringify(await fetchOpenApiDocument(), null, 2));
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
  rmSync(work, { recursive: true, force: true });
}
