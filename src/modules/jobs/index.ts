export { type Job, purgeOldJobRuns, runJobs } from "./jobs.service";
export { jobsRouter } from "./jobs.routes";
