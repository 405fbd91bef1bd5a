import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { redactError } from "../../src/shared/log";
import { call, createStore, expectProblem } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("5xx log lines never carry bound values", () => {
  it("logs the failing statement but not its parameters", async () => {
    const store = await createStore();
    const secret = `sk_live_${crypto.randomUUID().replaceAll("-", "")}`;
    const trigger = `boom_${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON stores WHEN NEW.name LIKE 'sk_live_%' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`).run();
    try {
      const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
      const res = await call("PATCH", "/v1/store", { token: store.key, body: { name: secret }, headers: { "If-Match": '"1"' } });
      expectProblem(res, 500, "internal_error");
      const logged = errors.mock.calls.map((args) => args.map(String).join(" ")).join("\n");
      expect(logged).toContain('update \\"stores\\"');
      expect(logged).not.toContain(secret);
      expect(logged).not.toContain(store.id);
      expect(JSON.stringify(res.body)).not.toContain(secret);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
  });

  it("redacts params in the message, the stack and causes", () => {
    const cause = new Error("D1_ERROR: UNIQUE constraint failed: t.c");
    const err = new Error('Failed query: select * from "t" where "a" = ?\nparams: hunter2,cus_123', { cause });
    err.stack = `Error: ${err.message}\n    at somewhere (file.ts:1:1)`;
    const out = redactError(err);
    expect(JSON.stringify(out)).not.toMatch(/hunter2|cus_123/);
    expect(out.message).toContain('select * from "t" where "a" = ?');
    expect(out.cause).toContain("UNIQUE constraint failed");
    expect(out.stack).toContain("at somewhere");
  });
});
