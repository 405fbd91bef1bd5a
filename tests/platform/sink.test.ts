import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The receiver later tests deliver to: reachable from workerd, programmable, and recording.
describe("test sink", () => {
  it("answers as programmed and records what it received", async () => {
    const control = await fetch(`${env.SINK_URL}/_control/probe`, {
      method: "POST",
      body: JSON.stringify({ responses: [{ status: 500 }, { status: 429, headers: { "retry-after": "3" } }] }),
    });
    expect(control.status).toBe(204);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${env.SINK_URL}/probe/x`, { method: "POST", body: `n${i}` });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("3");
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([500, 429, 200]);
    const got = (await (await fetch(`${env.SINK_URL}/_requests/probe`)).json()) as { body: string; path: string }[];
    expect(got.map((r) => r.body)).toEqual(["n0", "n1", "n2"]);
    expect(got[0]!.path).toBe("/probe/x");
  });
});
