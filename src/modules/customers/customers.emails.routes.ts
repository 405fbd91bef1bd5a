import type { AppEnv } from "../../context";
import { RESPONSE_HEADERS, createRouter, idParam, jsonContent, jsonRequest } from "../../shared/openapi";
import { once } from "../idempotency";
import { storeRoute } from "../stores";
import { getEmailDelivery, presentDelivery, requestConfirmation } from "./customers.confirmation";
import { addEmail, deleteEmail, listEmails, makePrimaryEmail } from "./customers.emails";
import { AddEmailBody, CustomerEmail, EmailDelivery, EmailList } from "./customers.schemas";
import { presentEmail } from "./customers.service";

const tags = ["Customer emails"];
const EmailParams = idParam("cus").extend(idParam("eml", "email_id").shape);

const addEmailRoute = storeRoute({
  operationId: "addCustomerEmail",
  method: "post",
  path: "/v1/customers/{id}/emails",
  tags,
  summary: "Add an email",
  description: "Unique per store after normalization (409 `duplicate`); at most 10 per customer.",
  idempotency: "optional",
  request: { params: idParam("cus"), ...jsonRequest(AddEmailBody) },
  responses: { 201: jsonContent(CustomerEmail, "The new email") },
  errors: [404, 409, 422],
});

const listEmailsRoute = storeRoute({
  operationId: "listCustomerEmails",
  method: "get",
  path: "/v1/customers/{id}/emails",
  tags,
  summary: "List emails",
  description: "Every email of the customer (at most 10), primary first, with confirmation state.",
  request: { params: idParam("cus") },
  responses: { 200: jsonContent(EmailList, "Every email, primary first") },
  errors: [404],
});

const deleteEmailRoute = storeRoute({
  operationId: "deleteCustomerEmail",
  method: "delete",
  path: "/v1/customers/{id}/emails/{email_id}",
  tags,
  summary: "Delete an email",
  description: "The primary email cannot be deleted (409): make another one primary first.",
  request: { params: EmailParams },
  responses: { 204: { description: "Deleted" } },
  errors: [404, 409],
});

const makePrimaryEmailRoute = storeRoute({
  operationId: "makeCustomerEmailPrimary",
  method: "post",
  path: "/v1/customers/{id}/emails/{email_id}/make-primary",
  tags,
  summary: "Make an email the primary one",
  description: "Atomic; the customer's `email` and `confirmed_at` follow the new primary email.",
  request: { params: EmailParams },
  responses: { 200: jsonContent(CustomerEmail, "The primary email") },
  errors: [404],
});

const sendConfirmationRoute = storeRoute({
  operationId: "sendCustomerConfirmation",
  method: "post",
  path: "/v1/customers/{id}/send-confirmation",
  tags,
  summary: "Email a confirmation link to the primary email",
  description:
    "Queues the email and answers at once with the delivery; follow it at `GET /v1/email-deliveries/{id}`. The link (`/v1/confirm/{token}`) works once within 24 hours; the token appears only in the email.",
  idempotency: "optional",
  request: { params: idParam("cus") },
  responses: { 202: { ...jsonContent(EmailDelivery, "The queued delivery"), headers: { Location: RESPONSE_HEADERS.location } } },
  errors: [404, 409, 422],
});

const getDeliveryRoute = storeRoute({
  operationId: "getEmailDelivery",
  method: "get",
  path: "/v1/email-deliveries/{id}",
  tags,
  summary: "Retrieve an email delivery",
  description: "Where a queued email is: queued, sending, sent, logged (no provider configured) or failed, with attempts and the last error.",
  request: { params: idParam("dlv") },
  responses: { 200: jsonContent(EmailDelivery, "The delivery") },
  errors: [404],
});

export const emailsRouter = createRouter<AppEnv>()
  .openapi(addEmailRoute, async (c) => {
    const body = c.req.valid("json");
    const storeId = c.var.principal.storeId;
    const customerId = c.req.valid("param").id;
    return once(c, { storeId }, () => addEmail(c.var.db, storeId, customerId, body.email, body.is_primary ?? false), (row) =>
      c.json(presentEmail(row), 201),
    );
  })
  .openapi(listEmailsRoute, async (c) => {
    const rows = await listEmails(c.var.db, c.var.principal.storeId, c.req.valid("param").id);
    return c.json({ data: rows.map(presentEmail), next_cursor: null }, 200);
  })
  .openapi(deleteEmailRoute, async (c) => {
    const { id, email_id } = c.req.valid("param");
    await deleteEmail(c.var.db, c.var.principal.storeId, id, email_id);
    return c.body(null, 204);
  })
  .openapi(makePrimaryEmailRoute, async (c) => {
    const { id, email_id } = c.req.valid("param");
    return c.json(presentEmail(await makePrimaryEmail(c.var.db, c.var.principal.storeId, id, email_id)), 200);
  })
  .openapi(sendConfirmationRoute, async (c) => {
    const { store } = c.var.principal;
    const customerId = c.req.valid("param").id;
    const deps = { outbox: c.env.EMAIL_OUTBOX, signingSecret: c.env.SIGNING_SECRET };
    return once(c, { storeId: store.id }, () => requestConfirmation(c.var.db, deps, store, customerId), (delivery) =>
      c.json(presentDelivery(delivery), 202, { Location: `/v1/email-deliveries/${delivery.id}` }),
    );
  })
  .openapi(getDeliveryRoute, async (c) => {
    return c.json(presentDelivery(await getEmailDelivery(c.var.db, c.var.principal.storeId, c.req.valid("param").id)), 200);
  });
