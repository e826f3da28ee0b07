// Temporal Schedules for the devserver: see types.ts for the contract with the gRPC binding.
export { createScheduleService } from './service.js';
export { InMemoryScheduleStore } from './memory-store.js';
export type {
  ScheduleDeps,
  ScheduleLog,
  ScheduleRecord,
  ScheduleService,
  ScheduleStore,
  StartWorkflowRequest,
} from './types.js';
