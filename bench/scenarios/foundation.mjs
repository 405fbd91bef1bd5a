/** Issue 2 scenarios: an unauthenticated health check and an authenticated store read. */
export default {
  name: "foundation",
  async setup(ctx) {
    const store = await ctx.createStore();
    return { store };
  },
  scenarios: ({ store }) => [
    { name: "GET /health", ceiling: "d1_read", request: { method: "GET", path: "/health" } },
    {
      name: "GET /v1/store (auth)",
      ceiling: "d1_read",
      request: { method: "GET", path: "/v1/store", headers: { authorization: `Bearer ${store.key}` } },
    },
  ],
};
