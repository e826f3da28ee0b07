/**
 * The latency model: how long each device command and each state change takes, in real-device milliseconds.
 * Everything is multiplied by the fleet's timeScale (0.01 = 100x faster) and by any `slow` fault factor.
 * Defaults follow power-cli.md §4 where it gives figures; where it gives none the value is a guess, marked so.
 */
export const DEFAULT_LATENCY_MS = {
  /** HMC listing commands (lssyscfg, lshwres, lslparmigr, lsrrstartlpar). Guess: sub-second on a healthy HMC. */
  hmcQuery: 400,
  /** HMC state-changing commands that return at once (chsysstate). Guess. */
  hmcChange: 1_500,
  /** viosvrcmd round trip over RMC. Guess. */
  viosCommand: 2_000,
  /** SVC listing commands. Guess. */
  svcQuery: 80,
  /** SVC configuration commands (mkvdiskhostmap, mkhost, rc/fc commands). §4: no public figure; guess. */
  svcChange: 250,
  /** LPAR Starting -> Running after activation (boot to RMC active). ansible waits up to 10 min; guess 60 s. */
  lparBoot: 60_000,
  /** LPAR Shutting Down -> Not Activated after `shutdown --immed` (nova polls up to 30 s). */
  lparShutdownImmediate: 5_000,
  /** LPAR Shutting Down -> Not Activated after a delayed/OS shutdown. Guess. */
  lparShutdownDelayed: 60_000,
  /** System Power Off In Progress -> Power Off with --immed (ansible polls every 30 s). Guess. */
  systemPowerOffImmediate: 20_000,
  systemPowerOffNormal: 120_000,
  /** rrstartlpar -o restart holds the call while the partition is rebuilt on the target. §4: no public figure; guess. */
  remoteRestart: 30_000,
  remoteRestartValidate: 5_000,
  remoteRestartCleanup: 10_000,
  /** LPM: validation, then memory copy at ~1 GB/s (10 GbE, §4) plus a fixed setup cost. */
  migrationValidate: 10_000,
  migrationSetup: 20_000,
  migrationPerGbMemory: 1_000,
  /** Remote copy: initial copy inconsistent_copying -> consistent_synchronized, and resync after a stop. Guesses. */
  replicationInitialSync: 60_000,
  replicationResync: 10_000,
  /** FlashCopy prepare (cache flush) and background copy. Guesses. */
  flashCopyPrepare: 2_000,
  flashCopyCopy: 30_000,
} as const;

export type LatencyOperation = keyof typeof DEFAULT_LATENCY_MS;
export type LatencyOverrides = Partial<Record<LatencyOperation, number>>;

export class LatencyModel {
  private readonly table: Record<LatencyOperation, number>;

  private readonly random: (() => number) | undefined;

  /** With a seed, every duration varies by up to ±20 % from a reproducible pseudo-random sequence. */
  constructor(
    readonly timeScale: number,
    overrides: LatencyOverrides = {},
    seed?: number,
  ) {
    if (!(timeScale >= 0) || !Number.isFinite(timeScale))
      throw new Error(`timeScale must be a finite number >= 0, got ${timeScale}`);
    this.table = { ...DEFAULT_LATENCY_MS, ...overrides };
    this.random = seed === undefined ? undefined : mulberry32(seed);
  }

  /** Scaled wall-clock milliseconds for one operation (extra multiplies, e.g. GB of memory for LPM). */
  ms(operation: LatencyOperation, factor = 1, extra = 1): number {
    const jitter = this.random ? 0.8 + 0.4 * this.random() : 1;
    return this.table[operation] * extra * factor * this.timeScale * jitter;
  }

  operations(): Readonly<Record<LatencyOperation, number>> {
    return this.table;
  }
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
