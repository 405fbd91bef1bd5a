import { DurableObject } from "cloudflare:workers";
import { type CheckoutOrderCommand, checkoutOrderCommand } from "./orders.checkout";
import type { Bindings } from "../../context";
import { OrderLedger } from "./orders.ledger";
import { RELAY_DELAY_MS, relayBackoffMs, relayOutbox } from "./orders.relay";
import type { Order, OrderFilters } from "./orders.schemas";
import {
  type CommandResult,
  type CreateOrderCommand,
  type CustomerOrderSummary,
  type ListOrdersCommand,
  type OrderCommand,
  OrderRuleError,
  type RefusedCreateCommand,
  type TransitionOrderCommand,
  type UpdateOrderCommand,
  createCommand,
  refusedCreateCommand,
  runCommand,
  transitionCommand,
  updateCommand,
} from "./orders.service";

/**
 * One per store: the single writer and source of truth for the store's orders. A thin RPC surface:
 * each command runs the service's rules in one synchronous `transactionSync` (no `await` inside), so
 * commands are serialized and each one's idempotency check, version check, state change, event and
 * stored response commit together or not at all. The alarm relays the outbox to `ORDER_EVENTS` and
 * purges expired records.
 */
export class OrderStream extends DurableObject<Bindings> {
  readonly #ledger: OrderLedger;
  /** True while an alarm is scheduled that will relay the undelivered events (or is running). */
  #relayArmed = false;
  #relayChain: Promise<void> = Promise.resolve();
  /** Failed relays in a row, as stored in `stream_meta` (read once on start, written only when it changes). */
  #relayFailures = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.#ledger = new OrderLedger(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      this.#ledger.migrate();
      this.#relayFailures = Number(this.#ledger.getMeta("relay_failures") ?? 0);
      if (this.#ledger.hasUndelivered()) {
        // A crash between a command's commit and its setAlarm must not strand events.
        const alarm = await ctx.storage.getAlarm();
        if (alarm === null || alarm > Date.now() + RELAY_DELAY_MS) await ctx.storage.setAlarm(Date.now());
        this.#relayArmed = true;
      }
    });
  }

  createOrder(command: CreateOrderCommand): CommandResult {
    return this.#execute(createCommand(command));
  }

  /** The order a checkout billed, once per checkout id (a resumed checkout gets the same order). */
  placeCheckoutOrder(command: CheckoutOrderCommand): CommandResult {
    return this.#execute(checkoutOrderCommand(command));
  }

  /** Replays a stored success for the key, else answers the Worker's refusal; writes nothing. */
  refuseOrder(command: RefusedCreateCommand): CommandResult {
    return this.#execute(refusedCreateCommand(command));
  }

  updateOrder(command: UpdateOrderCommand): CommandResult {
    return this.#execute(updateCommand(command));
  }

  transitionOrder(command: TransitionOrderCommand): CommandResult {
    return this.#execute(transitionCommand(command));
  }

  /**
   * Cancels (reason `expired`) up to `limit` drafts created before `createdBefore`, each its own
   * command with its `order.canceled` event; a second call finds none of them left.
   */
  expireDrafts(storeId: string, createdBefore: string, limit = 100): number {
    const drafts = this.#ledger.list({ filters: { status: "draft", created_before: createdBefore }, after: null, limit });
    let expired = 0;
    for (const draft of drafts) {
      const result = this.#execute(
        transitionCommand({ storeId, orderId: draft.id, action: "cancel", expectedVersion: draft.version, idempotency: null, cancellationReason: "expired" }),
      );
      if (result.ok) expired += 1;
    }
    return expired;
  }

  getOrder(orderId: string): Order | null {
    return this.#ledger.load(orderId);
  }

  /**
   * What the customers module shows of up to 100 customers' orders: paid totals per currency, the
   * newest placed order's time and optionally the newest orders. As fresh as the orders themselves.
   */
  customerSummaries(customerIds: string[], recentLimit: number): Record<string, CustomerOrderSummary> {
    return this.#ledger.customerSummaries(customerIds.slice(0, 100), recentLimit);
  }

  listOrders(command: ListOrdersCommand): Order[] {
    return this.#ledger.list(command);
  }

  countOrders(filters: OrderFilters): number {
    return this.#ledger.count(filters);
  }

  /** Relays the outbox, then purges idempotency records past 24 h and delivered events past 7 days. */
  override async alarm(): Promise<void> {
    // The platform runs one alarm at a time; tests may also call alarm() directly. Never overlap relays.
    const run = this.#relayChain.then(() => this.#relayAndSchedule());
    this.#relayChain = run.catch(() => undefined);
    return run;
  }

  #execute(command: OrderCommand): CommandResult {
    let result: CommandResult;
    try {
      result = this.ctx.storage.transactionSync(() => runCommand(this.#ledger, command, Date.now()));
    } catch (error) {
      if (error instanceof OrderRuleError) return { ok: false, failure: error.failure };
      throw error;
    }
    if (result.ok && !result.replayed) this.#armRelay();
    return result;
  }

  #armRelay() {
    if (this.#relayArmed) return;
    this.#relayArmed = true;
    // Not awaited: the output gate holds the reply until the alarm is durably set.
    void this.ctx.storage.setAlarm(Date.now() + RELAY_DELAY_MS);
  }

  async #relayAndSchedule(): Promise<void> {
    try {
      await relayOutbox(this.#ledger, this.env.ORDER_EVENTS);
    } catch (error) {
      this.#relayFailures += 1;
      this.#ledger.setMeta("relay_failures", this.#relayFailures);
      // Our own backoff outlives the platform's six alarm retries, so delivery never stops. Setting
      // an alarm inside a failing handler replaces the platform's retry of this one.
      void this.ctx.storage.setAlarm(Date.now() + relayBackoffMs(this.#relayFailures));
      this.#relayArmed = true;
      throw error;
    }
    if (this.#relayFailures !== 0) {
      this.#relayFailures = 0;
      this.#ledger.setMeta("relay_failures", 0);
    }
    const now = Date.now();
    this.#ledger.purge(now);
    this.#scheduleAfterRelay(now);
  }

  /** Runs synchronously after the relay's last await, so it sees every event committed meanwhile. */
  #scheduleAfterRelay(nowMs: number) {
    if (this.#ledger.hasUndelivered()) {
      // Events committed during the relay wait the same short delay, so a busy stream sends them in
      // batches (one queue send, one delivered mark and one purge per batch, not per event).
      void this.ctx.storage.setAlarm(nowMs + RELAY_DELAY_MS);
      this.#relayArmed = true;
      return;
    }
    this.#relayArmed = false;
    const next = this.#ledger.nextExpiry();
    // A purge-only alarm; the next command replaces it with a relay alarm, which purges too.
    if (next !== null) void this.ctx.storage.setAlarm(Math.max(next + 1000, nowMs + 1000));
  }
}
