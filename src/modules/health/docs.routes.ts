import { Scalar } from "@scalar/hono-api-reference";
import { createRouter } from "../../shared/openapi";

/** Where `/docs` loads the pinned Scalar bundle from: this Worker, never a CDN. */
export const SCALAR_BUNDLE_PATH = "/docs/scalar.js";

/** `ASSETS` serves the installed `@scalar/api-reference` browser build (wrangler.toml `[assets]`). */
interface DocsEnv {
  Bindings: { ASSETS: Fetcher };
}

export const docsRouter = createRouter<DocsEnv>()
  .get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "edgeshop API reference",
      cdn: SCALAR_BUNDLE_PATH,
      // Every operation's summary on the first screen, searchable with the browser's find.
      defaultOpenAllTags: true,
      // Nothing leaves the page: no hosted fonts, no telemetry, no hosted agent.
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
    }),
  )
  .get(SCALAR_BUNDLE_PATH, async (c) => {
    const asset = await c.env.ASSETS.fetch(new URL("/standalone.js", c.req.url));
    if (!asset.ok) throw new Error(`Scalar bundle missing from ASSETS: ${asset.status}`);
    return new Response(asset.body, {
      headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=86400" },
    });
  });
