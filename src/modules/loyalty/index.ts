export { loyaltyRouter } from "./loyalty.routes";
export { earnStamps } from "./loyalty.handlers";
