// After a restart on the same database: every run back in memory, and everything that was waiting armed again from
// its persisted deadline. A workflow task that was in flight stays in flight (its worker may still complete it) until
// its start-to-close deadline; tasks that were waiting go to the normal queue, since sticky workers may be gone.
import { armActivity, armScheduleToClose } from './activities.js';
import { armTimer } from './commands.js';
import { Run, type Engine } from './engine.js';
import { armRunDeadlines } from './executions.js';
import { timeOutWorkflowTask } from './workflow-tasks.js';

export function restoreRuns(engine: Engine): number {
  const loaded = [...engine.store.loadRuns()].sort((a, b) => a.state.startedAt - b.state.startedAt);
  for (const { state, events } of loaded) engine.addRun(new Run(state, events));
  let open = 0;
  for (const run of engine.runs.values()) {
    if (!run.open) continue;
    open++;
    armRunDeadlines(engine, run);
    for (const timer of Object.values(run.state.timers))
      armTimer(engine, run, timer.timerId, timer.startedEventId, timer.fireAt);
    for (const activity of Object.values(run.state.activities)) {
      armScheduleToClose(engine, run, activity);
      armActivity(engine, run, activity);
    }
    const wt = run.state.workflowTask;
    if (wt?.startedEventId !== undefined) {
      const { scheduledEventId, attempt, startedEventId } = wt;
      engine.deadlines.at(wt.deadline ?? Date.now(), () =>
        timeOutWorkflowTask(engine, run, scheduledEventId, attempt, startedEventId),
      );
    } else if (wt) {
      run.state.stickyQueue = undefined;
      wt.stickyQueue = undefined;
      engine.enqueueWorkflowTask(run);
    }
  }
  return open;
}
