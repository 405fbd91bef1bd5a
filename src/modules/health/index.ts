export { docsRouter } from "./docs.routes";
export { healthRouter } from "./health.routes";
