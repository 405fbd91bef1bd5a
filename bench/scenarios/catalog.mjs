// Catalog read paths for `npm run bench`: a product list page, a product by id, and full-text search,
// each compared with the same run's single-D1-read ceiling (auth + one D1 read).

const ADJECTIVES = ["red", "blue", "green", "black", "white", "rustic", "modern", "vintage", "compact", "deluxe"];
const MATERIALS = ["oak", "steel", "ceramic", "linen", "glass", "copper", "bamboo", "marble"];
const NOUNS = ["mug", "lamp", "chair", "table", "bowl", "vase", "shelf", "clock", "rug", "basket"];
const PRODUCTS = 1_000;
const BULK_SIZE = 100;

/** Narrow to broad: a full word, a prefix, two words, and a word most products share. */
const QUERIES = ["lamp", "cer", "red oak", "vintage copper clock", "mug", "bas"];

function product(i) {
  const adjective = ADJECTIVES[i % ADJECTIVES.length];
  const material = MATERIALS[Math.floor(i / ADJECTIVES.length) % MATERIALS.length];
  const noun = NOUNS[Math.floor(i / (ADJECTIVES.length * MATERIALS.length)) % NOUNS.length];
  return {
    title: `${adjective} ${material} ${noun}`,
    description: `A ${adjective} ${noun} made of ${material}. Item ${i}.`,
    vendor: `Vendor ${i % 20}`,
    product_type: noun,
    sku: `BENCH-${i}`,
    price_cents: 500 + (i % 50) * 100,
    inventory: i % 5,
    tags: [material, adjective],
  };
}

export default {
  name: "catalog",

  /** Seeds one store with 1,000 products through the bulk endpoint (10 requests of 100). */
  async setup(ctx) {
    const store = await ctx.createStore();
    const ids = [];
    for (let start = 0; start < PRODUCTS; start += BULK_SIZE) {
      const products = Array.from({ length: BULK_SIZE }, (_, j) => product(start + j));
      const res = await ctx.json("POST", "/v1/products/bulk", { token: store.key, body: { products } });
      if (res.status !== 200) throw new Error(`catalog setup: bulk insert answered ${res.status}: ${JSON.stringify(res.body)}`);
      ids.push(...res.body.data.map((p) => p.id));
    }
    return { key: store.key, ids };
  },

  scenarios(state) {
    const headers = { Authorization: `Bearer ${state.key}` };
    return [
      {
        name: "product list page (limit 20)",
        connections: 16,
        ceiling: "d1_read",
        request: { method: "GET", path: "/v1/products?limit=20", headers },
      },
      {
        name: "product get",
        connections: 16,
        ceiling: "d1_read",
        makeRequest: (i) => ({ method: "GET", path: `/v1/products/${state.ids[i % state.ids.length]}`, headers }),
      },
      {
        name: "product search (limit 20)",
        connections: 16,
        ceiling: "d1_read",
        makeRequest: (i) => ({
          method: "GET",
          path: `/v1/products/search?q=${encodeURIComponent(QUERIES[i % QUERIES.length])}&limit=20`,
          headers,
        }),
      },
    ];
  },
};
