import { z } from "@hono/zod-openapi";

/** An event as the bus carries it (queue message body) and as the events API will show it. */
export const EventMessage = z.object({
  id: z.string().regex(/^evt_/),
  store_id: z.string().min(1),
  type: z.string().min(1),
  resource_type: z.string().min(1),
  resource_id: z.string().min(1),
  resource_version: z.number().int().nullable(),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type EventMessage = z.infer<typeof EventMessage>;

/** What a module states about a change; the kernel adds id, store and time. */
export interface EventDraft {
  type: string;
  resource_type: string;
  resource_id: string;
  resource_version?: number | null;
  data: Record<string, unknown>;
}
