// Workflows of the devserver benchmark: a chain of sequential activities that records each one's latency.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(i: number): Promise<number> }>({ startToCloseTimeout: '30s' });

export async function sequentialActivities(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = Date.now();
    await noop(i);
    latencies.push(Date.now() - started);
  }
  return latencies;
}
