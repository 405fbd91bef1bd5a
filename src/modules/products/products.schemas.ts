import { z } from "@hono/zod-openapi";
import { AmountCentsSchema, CurrencySchema } from "../../shared/money";
import { PageQuerySchema, pageSchema } from "../../shared/pagination";
import { Count, Metadata, Timestamp, timeRange } from "../../shared/schemas";

export const MAX_TAGS_PER_PRODUCT = 50;
export const MAX_INVENTORY = 1_000_000_000;
export const MAX_BULK_ITEMS = 100;


/** Tags are case-insensitive: trimmed and lowercased on the way in, returned lowercase. */
export const TagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  // No /u flag: the published JSON Schema pattern is the regex source alone (U+0000-U+001F, U+007F-U+009F are Cc).
  .regex(/^[^,\u0000-\u001F\u007F-\u009F]+$/, "Tags may not contain commas or control characters")
  .openapi({ example: "summer" });

const SkuSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\x20-\x7E]+$/, "SKUs are printable ASCII")
  .openapi({ example: "MUG-RED-12", description: "Unique among the store's live products" });

export const MetadataSchema = Metadata;

const Title = z.string().trim().min(1).max(255).openapi({ example: "Red enamel mug" });
const Description = z.string().max(10_000).nullable().openapi({ example: "Holds 350 ml." });
const ShortText = (example: string) => z.string().trim().min(1).max(255).nullable().openapi({ example });
const Tags = z.array(TagSchema).max(MAX_TAGS_PER_PRODUCT).openapi({ example: ["kitchen", "summer"] });
const InitialInventory = z.number().int().min(0).max(MAX_INVENTORY).openapi({ example: 25 });

export const Product = z
  .object({
    id: z.string().openapi({ example: "prod_8fJ2kq0LxY4m1Nw7pQzR3a" }),
    title: z.string(),
    description: z.string().nullable(),
    vendor: z.string().nullable(),
    product_type: z.string().nullable(),
    sku: z.string().nullable(),
    price_cents: z.number().int().openapi({ example: 1800 }),
    currency: z.string().openapi({ example: "USD" }),
    inventory: z.number().int().openapi({ example: 25 }),
    tags: z.array(z.string()).openapi({ example: ["kitchen", "summer"] }),
    metadata: z.record(z.string(), z.string()),
    version: z.number().int().openapi({ example: 1, description: "Also sent as ETag; PATCH honours If-Match" }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Product");

export const ProductPage = pageSchema(Product, "ProductPage");

const productFields = {
  title: Title,
  description: Description.optional(),
  vendor: ShortText("Acme Pottery").optional(),
  product_type: ShortText("Mug").optional(),
  sku: SkuSchema.nullable().optional(),
  price_cents: AmountCentsSchema,
  currency: CurrencySchema.optional().openapi({ description: "Defaults to the store's currency" }),
  inventory: InitialInventory.optional().openapi({ description: "Initial stock (default 0); later changes go through /inventory" }),
  tags: Tags.optional(),
  metadata: MetadataSchema.optional(),
};

export const CreateProductBody = z.strictObject(productFields).openapi("CreateProductBody", {
  example: { title: "Red enamel mug", price_cents: 1800, sku: "MUG-RED-12", inventory: 25, tags: ["kitchen"] },
});

export const UpdateProductBody = z
  .strictObject({
    title: Title.optional(),
    description: Description.optional(),
    vendor: ShortText("Acme Pottery").optional(),
    product_type: ShortText("Mug").optional(),
    sku: SkuSchema.nullable().optional(),
    price_cents: AmountCentsSchema.optional(),
    currency: CurrencySchema.optional(),
    tags: Tags.optional().openapi({ description: "Replaces the whole tag set" }),
    metadata: MetadataSchema.optional(),
  })
  .refine((value) => Object.keys(value).length > 0, { message: "Send at least one field to change" })
  .openapi("UpdateProductBody", { example: { price_cents: 1600 } });

export type CreateProductInput = z.infer<typeof CreateProductBody>;
export type UpdateProductInput = z.infer<typeof UpdateProductBody>;

const BulkItem = z
  .strictObject({
    id: z.string().min(1).max(64).optional().openapi({ description: "Update this product" }),
    title: Title.optional(),
    description: Description.optional(),
    vendor: ShortText("Acme Pottery").optional(),
    product_type: ShortText("Mug").optional(),
    sku: SkuSchema.nullable().optional(),
    price_cents: AmountCentsSchema.optional(),
    currency: CurrencySchema.optional(),
    inventory: InitialInventory.optional().openapi({ description: "Only when the item creates a product" }),
    tags: Tags.optional(),
    metadata: MetadataSchema.optional(),
  })
  .openapi("BulkProductItem");

export type BulkItemInput = z.infer<typeof BulkItem>;

export const BulkProductsBody = z
  .strictObject({ products: z.array(BulkItem).min(1).max(MAX_BULK_ITEMS) })
  .openapi("BulkProductsBody", {
    description:
      "Each item with `id` updates that product. An item without `id` whose `sku` names a live product updates it; any other item creates a product (then `title` and `price_cents` are required). All items apply or none do.",
    example: {
      products: [
        { sku: "MUG-RED-12", title: "Red enamel mug", price_cents: 1800, inventory: 10 },
        { id: "prod_8fJ2kq0LxY4m1Nw7pQzR3a", price_cents: 2100 },
      ],
    },
  });

export const BulkProductsResult = z
  .object({
    data: z.array(Product).openapi({ description: "The products in request order" }),
    created: z.number().int().openapi({ example: 1 }),
    updated: z.number().int().openapi({ example: 1 }),
  })
  .openapi("BulkProductsResult");

/**
 * The one rule for text equality filters: case-insensitive, exact otherwise (no trimming of inner
 * spaces, no prefix match). SQLite folds only ASCII letters for `vendor` and `product_type`; tags are
 * stored lowercase, so for them every letter folds.
 */
const TEXT_FILTER_RULE = "Exact match, case-insensitive (`acme` matches `Acme`)";

const filterFields = {
  vendor: z
    .string()
    .max(255)
    .optional()
    .openapi({ param: { name: "vendor", in: "query" }, example: "Acme Pottery", description: `${TEXT_FILTER_RULE}; ASCII letters fold, other letters must match exactly` }),
  product_type: z
    .string()
    .max(255)
    .optional()
    .openapi({ param: { name: "product_type", in: "query" }, example: "Mug", description: `${TEXT_FILTER_RULE}; ASCII letters fold, other letters must match exactly` }),
  tag: TagSchema.optional().openapi({ param: { name: "tag", in: "query" }, example: "summer", description: `${TEXT_FILTER_RULE}; every letter folds (tags are stored lowercase)` }),
  min_price_cents: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "min_price_cents", in: "query" }, example: 1000, description: "Inclusive" }),
  max_price_cents: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "max_price_cents", in: "query" }, example: 5000, description: "Inclusive" }),
  ...timeRange("created", "products created"),
  updated_after: timeRange("updated", "products updated").updated_after,
};

export const ProductFilterQuery = z.object(filterFields);
export const ProductListQuery = PageQuerySchema.extend(filterFields);
export type ProductFilters = z.infer<typeof ProductFilterQuery>;

export { Count };

export const ProductSearchQuery = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "q", in: "query" },
      example: "red mug",
      description: "Words to find; each word also matches as a prefix (`mu` finds `mug`). Search syntax is not interpreted.",
    }),
  available: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ param: { name: "available", in: "query" }, description: "`true` hides products with no stock" }),
});

export const InventoryBody = z
  .strictObject({
    adjust: z
      .number()
      .int()
      .min(-MAX_INVENTORY)
      .max(MAX_INVENTORY)
      .refine((n) => n !== 0, { message: "Must not be 0" })
      .optional()
      .openapi({
        description: `Add (positive) or remove (negative) stock; the result must stay between 0 (else 409 \`insufficient_inventory\`) and ${MAX_INVENTORY} (else 422 \`business_rule_violation\`)`,
        example: -2,
      }),
    set: z.number().int().min(0).max(MAX_INVENTORY).optional().openapi({ description: "Set the stock to this value", example: 40 }),
    reason: z.string().trim().min(1).max(200).optional().openapi({ description: "Recorded in the ledger", example: "stocktake" }),
  })
  .superRefine((value, ctx) => {
    if ((value.adjust === undefined) === (value.set === undefined)) {
      ctx.addIssue({ code: "custom", message: "Send exactly one of adjust or set", path: [] });
    }
  })
  .openapi("InventoryBody", { example: { adjust: -2, reason: "damaged" } });

export const InventoryLedgerEntry = z
  .object({
    id: z.string().openapi({ example: "ilg_3kLq9ZxV0b2Nn5Tt8WmYpR" }),
    product_id: z.string(),
    kind: z.enum(["initial", "adjust", "set"]),
    delta: z.number().int().openapi({ example: -2 }),
    quantity_after: z.number().int().openapi({ example: 23 }),
    reason: z.string().nullable(),
    created_at: Timestamp,
  })
  .openapi("InventoryLedgerEntry");

export const InventoryChange = z
  .object({ product: Product, ledger_entry: InventoryLedgerEntry })
  .openapi("InventoryChange");

export const InventoryLedgerPage = pageSchema(InventoryLedgerEntry, "InventoryLedgerPage");
