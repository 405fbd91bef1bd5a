export { countDailyEvents, dailyEventCount } from "./analytics.handlers";
