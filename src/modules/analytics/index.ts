export { countCartAdds, countDailyEvents } from "./analytics.handlers";
export { analyticsRouter } from "./analytics.routes";
