import type { SQL } from "drizzle-orm";
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { Bindings } from "../../context";
import type { Db } from "../../db/client";
import { batchGuard, batchable, isBatchGuardFailure } from "../../shared/d1";
import { ApiError } from "../../shared/errors";
import { parsedBody } from "../../shared/http";
import { parseIdempotencyKey, requestFingerprint } from "../../shared/idempotency-key";
import type { EventDraft, EventMessage } from "../events/events.schemas";
import { appendEventStatements, newEvent, publishEvents } from "../events/events.service";
import { claim, completion, inspect, recordId, release, sealResult } from "./idempotency.service";

const WAIT_STEP_MS = 100;
const WAIT_LIMIT_MS = 5_000;

/** What a service plans to write: guarded statements, the events they cause, and the outcome. */
export interface Write<R> {
  /** Run in one batch, in order, with the events and the idempotency record: all or nothing. */
  statements: BatchItem<"sqlite">[];
  events?: EventDraft[];
  /** What the response is rendered from (stored encrypted for replays; may hold a secret). */
  result: R;
  /** A scalar JSON expression the batch evaluates after the statements (e.g. a balance it changed). */
  snapshot?: SQL;
  /** Outbound work after the commit (e.g. a queue send), run in the background on first execution only. */
  afterCommit?: () => Promise<unknown>;
  /** Maps a batch failure (a guard, a unique index) to the client's error; undefined rethrows. */
  refused?: (error: unknown) => ApiError | undefined | Promise<ApiError | undefined>;
}

export interface OnceOptions {
  /** The tenant the key is scoped to (API.md: store + method + route, never the credential). */
  storeId: string;
  /** Order creation and checkout require the header (400 `idempotency_key_missing`). */
  required?: boolean;
}

/** Any route's context: only env, db, the request and the execution context are read. */
type KernelEnv = { Bindings: Bindings; Variables: { db: Db } };

/**
 * Runs a write exactly once per `Idempotency-Key`: claims the key, asks `plan` for the statements,
 * and commits them in ONE `db.batch()` together with their events and the completed idempotency
 * record. A crash before the batch leaves nothing (the claim's lock expires and a retry runs it); a
 * crash after it leaves everything (a retry replays). Only successes are remembered: a refusal or a
 * failure releases the claim, so a retry re-evaluates. Events are published after the commit.
 */
export async function once<E extends KernelEnv, R, T extends Response, S = unknown>(
  c: Context<E, any, any>,
  options: OnceOptions,
  plan: () => Promise<Write<R>> | Write<R>,
  render: (result: R, snapshot: S) => T | Promise<T>,
): Promise<T> {
  const db = c.var.db;
  const secret = c.env;
  const key = parseIdempotencyKey(c.req.header("Idempotency-Key"), options.required ?? false);
  let claimed: { id: string; holder: string } | null = null;
  if (key !== null) {
    const scope = { storeId: options.storeId, method: c.req.method, route: c.req.routePath, key };
    const requestHash = await requestFingerprint(c.req.method, c.req.path, await parsedBody(c));
    let outcome = await claim(db, scope, requestHash, secret);
    if (outcome.kind === "in_flight") {
      const id = await recordId(scope);
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (outcome.kind === "in_flight" && Date.now() < deadline) {
        await scheduler.wait(WAIT_STEP_MS);
        outcome = await inspect(db, id, requestHash, secret);
      }
    }
    switch (outcome.kind) {
      case "mismatch":
        throw new ApiError("idempotency_key_reused", "This Idempotency-Key was used with a different request");
      case "in_flight":
        throw new ApiError("idempotency_key_in_flight", "The first request with this key is still running", {
          headers: { "Retry-After": "1" },
        });
      case "replay":
        return replayed(await render(outcome.outcome.result as R, outcome.outcome.snapshot as S));
      case "claimed":
        claimed = { id: outcome.id, holder: outcome.holder };
    }
  }

  let write: Write<R>;
  let events: EventMessage[];
  let statements: BatchItem<"sqlite">[];
  try {
    write = await plan();
    events = (write.events ?? []).map((draft) => newEvent(options.storeId, draft));
    statements = [...write.statements, ...appendEventStatements(db, events)];
    if (claimed) {
      const sealed = await sealResult(write.result, secret);
      statements.push(completion(db, claimed, sealed, write.snapshot));
      statements.push(batchable(db.$client, db.all(batchGuard(sql`changes() = 1`))));
    } else if (write.snapshot) {
      statements.push(batchable(db.$client, db.all(sql`SELECT ${write.snapshot} AS snapshot`)));
    }
  } catch (error) {
    if (claimed) await release(db, claimed);
    throw error;
  }

  let results: unknown[];
  try {
    results = statements.length > 0 ? await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]) : [];
  } catch (error) {
    if (claimed) await release(db, claimed).catch(() => undefined);
    const refusal = await write.refused?.(error);
    if (refusal) throw refusal;
    if (claimed && isBatchGuardFailure(error)) {
      throw new ApiError("idempotency_key_in_flight", "Another request took over this Idempotency-Key; retry", {
        headers: { "Retry-After": "1" },
      });
    }
    throw error;
  }

  if (write.afterCommit) {
    c.executionCtx.waitUntil(
      write.afterCommit().catch((error: unknown) => {
        console.warn(JSON.stringify({ level: "warn", msg: "after-commit step deferred to its sweep", error: error instanceof Error ? error.name : "Error" }));
      }),
    );
  }
  if (events.length > 0) {
    c.executionCtx.waitUntil(
      publishEvents(c.env.EVENTS, events).catch((error: unknown) => {
        // The cron sweep re-publishes anything this missed.
        console.warn(JSON.stringify({ level: "warn", msg: "event publish deferred to sweep", error: error instanceof Error ? error.name : "Error" }));
      }),
    );
  }
  return render(write.result, snapshotOf(results, claimed !== null, write.snapshot !== undefined) as S);
}

function snapshotOf(results: unknown[], claimed: boolean, wanted: boolean): unknown {
  if (!wanted) return null;
  const rows = results[results.length - (claimed ? 2 : 1)] as Array<{ snapshot: string | null }>;
  const value = rows[0]?.snapshot;
  return value === null || value === undefined ? null : JSON.parse(value);
}

function replayed<T extends Response>(response: T): T {
  const headers = new Headers(response.headers);
  headers.set("Idempotent-Replayed", "true");
  return new Response(response.body, { status: response.status, headers }) as T;
}

/**
 * Commits a write outside an HTTP request (jobs, queue handlers, tests): the same single batch with
 * its events, then the after-commit step and the publication, awaited. Refusals throw their ApiError.
 */
export async function commit<R, S = unknown>(
  db: Db,
  write: Write<R>,
  options: { storeId: string; events?: Queue<EventMessage> },
): Promise<{ result: R; snapshot: S }> {
  const events = (write.events ?? []).map((draft) => newEvent(options.storeId, draft));
  const statements = [...write.statements, ...appendEventStatements(db, events)];
  if (write.snapshot) statements.push(batchable(db.$client, db.all(sql`SELECT ${write.snapshot} AS snapshot`)));
  let results: unknown[];
  try {
    results = statements.length > 0 ? await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]) : [];
  } catch (error) {
    throw (await write.refused?.(error)) ?? error;
  }
  await write.afterCommit?.();
  if (options.events && events.length > 0) await publishEvents(options.events, events);
  return { result: write.result, snapshot: snapshotOf(results, false, write.snapshot !== undefined) as S };
}
