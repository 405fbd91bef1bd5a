import { type CartState, cartTotals, incompleteReasons } from "./carts.state";

/** The whole cart in one object: everything a storefront needs, and why it cannot check out yet. */
export function presentCart(state: CartState) {
  const totals = cartTotals(state);
  const amounts = new Map(totals.discounts.map((d) => [d.id, d.amount]));
  const reasons = incompleteReasons(state);
  const giftCardCents = state.discounts.filter((d) => d.kind === "gift_card").reduce((sum, d) => sum + (amounts.get(d.id) ?? 0), 0);
  return {
    id: state.id,
    customer_id: state.customerId,
    currency: state.currency,
    email: state.email,
    items: state.lines.map((line) => ({
      id: line.id,
      product_id: line.productId,
      title: line.title,
      quantity: line.quantity,
      unit_price_cents: line.unitPriceCents,
      line_total_cents: line.unitPriceCents * line.quantity,
      available: line.live && line.quantity <= line.inventory,
      in_stock: line.inventory,
    })),
    discounts: state.discounts.map((d) => ({
      id: d.id,
      kind: d.kind,
      code: d.kind === "gift_card" ? `••••${d.last4}` : d.code,
      amount_cents: amounts.get(d.id) ?? 0,
    })),
    addresses: state.addresses
      .filter((a) => !a.removed)
      .map(({ removed: _removed, ...address }) => address),
    selected_address_id: state.selectedAddressId,
    payment_methods: state.paymentMethods.filter((p) => !p.removed).map((p) => ({ id: p.id, type: p.type, brand: p.brand, last4: p.last4 })),
    selected_payment_method_id: state.selectedPaymentMethodId,
    subtotal_cents: totals.subtotal,
    discount_cents: totals.discountTotal,
    tax_cents: totals.tax,
    shipping_cents: totals.shipping,
    total_cents: totals.grandTotal,
    gift_card_cents: giftCardCents,
    amount_due_cents: totals.amountDue,
    is_complete: reasons.length === 0,
    incomplete_reasons: reasons,
    version: state.version,
    expires_at: state.expiresAt,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
    links: { self: `/v1/carts/${state.id}`, checkout_url: `/v1/carts/${state.id}/checkout` },
  };
}
