export { countDailyEvents } from "./analytics.handlers";
