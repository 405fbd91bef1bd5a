export { type EventHandler, type HandlerTable, applyOnce, eventsConsumer, objectEventsConsumer } from "./events.bus";
export { deadLetterConsumer } from "./events.dead-letters";
export { type EventDraft, EventMessage } from "./events.schemas";
export { appendEventStatements, newEvent, publishEvents, sweepUnpublishedEvents } from "./events.service";
export { eventsRouter } from "./events.routes";
export { EVENT_RETENTION_DAYS, eventsApiRouter, presentEvent } from "./events.api";
export { purgeOldEvents } from "./events.retention";
