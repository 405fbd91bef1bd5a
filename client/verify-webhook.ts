import { Webhook } from "standardwebhooks";

/**
 * For receivers of edgeshop webhooks: verifies a delivery's Standard Webhooks signature over the raw
 * body (`webhook-id`, `webhook-timestamp`, `webhook-signature`; timestamps more than 5 minutes off
 * are refused) with the endpoint's `whsec_` secret, and returns the parsed event. Throws otherwise.
 * A thin wrapper over the `standardwebhooks` package, which does the work.
 *
 *   const event = verifyWebhook(process.env.EDGESHOP_WEBHOOK_SECRET!, await request.text(), request.headers);
 */
export function verifyWebhook(secret: string, rawBody: string, headers: Headers | Record<string, string>): WebhookEvent {
  const plain = headers instanceof Headers ? Object.fromEntries(headers.entries()) : Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return new Webhook(secret).verify(rawBody, plain) as WebhookEvent;
}

/** What every delivery carries; `resource.version` lets a receiver drop a stale, late delivery. */
export interface WebhookEvent {
  id: string;
  type: string;
  created_at: string;
  resource: { type: string; id: string; version: number | null };
  data: Record<string, unknown>;
}
