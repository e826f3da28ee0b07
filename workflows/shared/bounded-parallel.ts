// One bounded-parallel helper for every runbook (streams, mappings, unmappings, migrations).

/**
 * Runs `work` over `items`, at most `limit` at a time (at least 1); results in the order of `items`. After a failure
 * nothing new starts, and it waits for the work in flight before rethrowing the first failure: nothing is left running
 * unwatched (a stream, a mapping to a host the caller is giving up on).
 */
export async function boundedParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, Math.floor(limit)), items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}
