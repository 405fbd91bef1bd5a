import { describe, expect, it } from "vitest";
import { ORDER_STATUSES, type Order, type OrderStatus } from "../../src/modules/orders/orders.schemas";
import {
  MAX_ORDER_BYTES,
  ORDER_ACTIONS,
  OrderRuleError,
  TRANSITIONS,
  draftOrder,
  editDraft,
  mergeMetadata,
  priceLines,
  transition,
} from "../../src/modules/orders/orders.service";

const NOW = "2026-11-23T12:00:00.000Z";
const LATER = "2026-11-23T13:00:00.000Z";

function draft(): Order {
  return draftOrder({ lines: [{ product_id: "prod_1", quantity: 2, unit_price_cents: 150 }] }, "USD", NOW);
}

function failureOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof OrderRuleError) return error.failure;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("state machine", () => {
  const allowed: Record<OrderStatus, string[]> = {
    draft: ["confirm", "cancel"],
    confirmed: ["close", "cancel"],
    closed: ["ship", "cancel"],
    shipped: ["deliver"],
    delivered: [],
    canceled: [],
  };

  for (const status of ORDER_STATUSES) {
    for (const action of ORDER_ACTIONS) {
      const legal = allowed[status].includes(action);
      it(`${legal ? "allows" : "refuses"} ${action} from ${status}`, () => {
        const order = { ...draft(), status };
        if (legal) {
          const { order: next, event } = transition(order, action, 1, LATER);
          expect(next.status).toBe(TRANSITIONS[action].to);
          expect(next[TRANSITIONS[action].stamp]).toBe(LATER);
          expect(next.version).toBe(2);
          expect(next.updated_at).toBe(LATER);
          expect(event).toBe(TRANSITIONS[action].event);
        } else {
          expect(failureOf(() => transition(order, action, 1, LATER)).code).toBe("invalid_transition");
        }
      });
    }
  }

  it("checks the version first and reports the current one", () => {
    expect(failureOf(() => transition({ ...draft(), status: "delivered" }, "ship", 7, LATER))).toMatchObject({
      code: "stale_version",
      currentVersion: 1,
    });
  });

  it("fixes the total from confirmation on and refuses empty drafts", () => {
    const confirmed = transition(draft(), "confirm", 1, LATER).order;
    expect(confirmed.total_cents).toBe(300);
    expect(failureOf(() => editDraft(confirmed, 2, { notes: "x" }, LATER)).code).toBe("order_not_editable");
    const empty = draftOrder({ lines: [] }, "USD", NOW);
    expect(failureOf(() => transition(empty, "confirm", 1, LATER)).code).toBe("order_empty");
  });
});

describe("pricing", () => {
  it("multiplies and sums in integer cents", () => {
    const { lines, subtotal } = priceLines([
      { product_id: "prod_a", quantity: 3, unit_price_cents: 333 },
      { product_id: "prod_b", title: "B", quantity: 10_000, unit_price_cents: 1 },
    ]);
    expect(lines.map((l) => l.total_cents)).toEqual([999, 10_000]);
    expect(subtotal).toBe(10_999);
    expect(lines[0]!.id).toMatch(/^oli_/);
  });

  it("refuses totals beyond the safe integer range", () => {
    const huge = Array.from({ length: 100 }, () => ({ product_id: "prod_x", quantity: 10_000, unit_price_cents: 100_000_000_000 }));
    expect(failureOf(() => priceLines(huge)).code).toBe("validation_failed");
  });

  it("refuses an order too large for one queue message", () => {
    const notes = "é".repeat(MAX_ORDER_BYTES / 2);
    expect(failureOf(() => draftOrder({ lines: [], notes }, "USD", NOW)).code).toBe("validation_failed");
  });
});

describe("metadata", () => {
  it("merges, removes on null and clears on null", () => {
    expect(mergeMetadata({ a: "1", b: "2" }, { b: null, c: "3" })).toEqual({ a: "1", c: "3" });
    expect(mergeMetadata({ a: "1" }, null)).toEqual({});
  });

  it("caps the merged map at 50 keys", () => {
    const current = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    expect(mergeMetadata(current, { k0: "changed" }).k0).toBe("changed");
    expect(failureOf(() => mergeMetadata(current, { extra: "v" })).code).toBe("validation_failed");
  });
});
