import type { AppEnv } from "../../context";
import { createRouter } from "../../shared/openapi";
import { fansRouter } from "./campaigns.fans.routes";
import { brandsRouter } from "./campaigns.routes";

/** Every /v1/brands, /v1/coupons and /v1/fans route. */
export const campaignsRouter = createRouter<AppEnv>().route("/", brandsRouter).route("/", fansRouter);
export { consumeCouponRealization, finishDeadRealizations, requeueStuckRealizations } from "./campaigns.realize";
