export { countCartAdds, countDailyEvents, rollUpSales } from "./analytics.handlers";
export { analyticsRouter } from "./analytics.routes";
