// Placeholder until the full service lands: every RPC answers UNIMPLEMENTED.
import { unimplemented } from '../errors.js';
import type { ScheduleDeps, ScheduleService } from './types.js';

export function createScheduleService(_deps: ScheduleDeps): ScheduleService {
  const missing = (method: string) => () => Promise.reject(unimplemented(method));
  return {
    CreateSchedule: missing('CreateSchedule'),
    DescribeSchedule: missing('DescribeSchedule'),
    ListSchedules: missing('ListSchedules'),
    DeleteSchedule: missing('DeleteSchedule'),
    UpdateSchedule: missing('UpdateSchedule'),
    PatchSchedule: missing('PatchSchedule'),
    ListScheduleMatchingTimes: missing('ListScheduleMatchingTimes'),
    start: () => {},
    stop: () => {},
  };
}
