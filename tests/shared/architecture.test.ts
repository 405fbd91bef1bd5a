/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

// Every source file's text, bundled by vite at test time (no file system inside workerd).
const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

function modulePath(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  const base = parts.join("/");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (candidate in sources) return candidate;
  return null;
}

/** Import and export-from edges between source files, type-only ones included. */
function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']|(?:^|\n)\s*import\s+["']([^"']+)["']/g;
  for (const [file, text] of Object.entries(sources)) {
    const targets = new Set<string>();
    for (const match of text.matchAll(pattern)) {
      const target = modulePath(file, match[1] ?? match[2]!);
      if (target) targets.add(target);
    }
    edges.set(file, [...targets]);
  }
  return edges;
}

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe("source layout", () => {
  it("reads the whole tree", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(graph().get("../../src/index.ts")).toContain("../../src/app.ts");
  });

  it("has no import cycle, type-only imports included", () => {
    expect(cycles(graph()).map((c) => c.map((f) => f.replace("../../src/", "")).join(" -> "))).toEqual([]);
  });

  it("finds a cycle when there is one", () => {
    const edges = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", []]]);
    expect(cycles(edges)).toEqual([["a", "b", "c", "a"]]);
  });

  it("keeps every file under src/ to about 400 lines", () => {
    const long = Object.entries(sources)
      .map(([file, text]) => [file.replace("../../src/", ""), text.split("\n").length] as const)
      .filter(([, lines]) => lines > 420);
    expect(long).toEqual([]);
  });
});
