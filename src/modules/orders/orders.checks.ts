import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { FieldError } from "../../shared/errors";
// The table, not the customers index: that index reaches back into orders (order figures, the Order
// schema), and importing it here would close an import cycle.
import { customers } from "../customers/customers.tables";
import { getProductPrices } from "../products";
import type { LineInput, PricedLineInput } from "./orders.schemas";
import type { OrderRuleFailure } from "./orders.service";

export interface CheckedInput {
  lines: PricedLineInput[] | undefined;
  refusal: OrderRuleFailure | undefined;
}

/**
 * The checks of an order's references that read D1, run in the Worker before the order stream is
 * called (an outbound call inside the object's serialized section would let commands interleave):
 * `customer_id` must name a live customer of the store, and each catalog line is priced from the
 * store's live product (title and unit price snapshot). Custom lines keep the client's title and price.
 */
export async function checkOrderInput(
  db: Db,
  storeId: string,
  input: { customer_id?: string | null | undefined; lines?: LineInput[] | undefined },
): Promise<CheckedInput> {
  const productIds = (input.lines ?? []).flatMap((line) => (line.product_id ? [line.product_id] : []));
  const [customerOk, prices] = await Promise.all([
    input.customer_id ? liveCustomer(db, storeId, input.customer_id) : true,
    getProductPrices(db, storeId, productIds),
  ]);
  if (!customerOk) {
    return {
      lines: undefined,
      refusal: {
        code: "customer_not_found",
        detail: "customer_id does not name a customer of this store",
        errors: [{ path: "customer_id", message: "No customer of this store has this id" }],
      },
    };
  }
  const missing: FieldError[] = [];
  const lines = input.lines?.map((line, i): PricedLineInput => {
    if (!line.product_id) {
      return { product_id: null, title: line.title ?? null, quantity: line.quantity, unit_price_cents: line.unit_price_cents ?? 0, custom: true, currency: null };
    }
    const product = prices.get(line.product_id);
    if (!product) missing.push({ path: `lines[${i}].product_id`, message: "No product of this store has this id" });
    return {
      product_id: line.product_id,
      title: product?.title ?? null,
      quantity: line.quantity,
      unit_price_cents: product?.price_cents ?? 0,
      custom: false,
      currency: product?.currency ?? null,
    };
  });
  if (missing.length > 0) {
    return { lines: undefined, refusal: { code: "product_not_found", detail: "A line names a product this store does not have", errors: missing } };
  }
  return { lines, refusal: undefined };
}

async function liveCustomer(db: Db, storeId: string, customerId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.storeId, storeId), isNull(customers.deletedAt)))
    .limit(1);
  return row !== undefined;
}
