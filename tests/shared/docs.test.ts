import { describe, expect, it } from "vitest";
import { call } from "../helpers";

/** Every URL the page would fetch on load: script src, module imports, stylesheets, preloads. */
function loadedUrls(html: string): string[] {
  return [
    ...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi),
    ...html.matchAll(/\bimport\b[^'"]*["']([^"']+)["']/g),
    ...html.matchAll(/<link\b[^>]*\bhref\s*=\s*["']([^"']+)["']/gi),
  ].map((m) => m[1]!);
}

function isSameOrigin(url: string): boolean {
  return new URL(url, "http://edgeshop.test/docs").origin === "http://edgeshop.test";
}

describe("GET /docs", () => {
  it("loads only same-origin scripts, so the reference renders with no internet", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    const urls = loadedUrls(res.body);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((u) => !isSameOrigin(u))).toEqual([]);
    expect(res.body).toContain('"url": "/openapi.json"');
    expect(res.body).toContain('"withDefaultFonts": false');
  });

  it("serves the pinned Scalar bundle it points at as JavaScript", async () => {
    const page = await call("GET", "/docs");
    const [script] = [...(page.body as string).matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
    expect(script).toBeDefined();
    const res = await call("GET", script!);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("Cache-Control")).toContain("public");
    expect(res.body.length).toBeGreaterThan(1_000_000);
    expect(res.body).toContain("createApiReference");
  });
});
