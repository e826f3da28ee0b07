// The HMCs as DR reads use them: through the site's HMC pair (activities/hmc/hmc-pair.ts: the other HMC when one is
// out of reach), each HMC inside its configured operation limit (`hmcs[].limits.maxConcurrentOperations`), and a
// refusal because the HMC is busy retried until a deadline instead of turning a readable host into "undescribed".
// Why this is needed: a site discovery reads every host at once, and each host's VIOS reads are one `viosvrcmd` per
// disk (hundreds a host at scale). The SSH pool alone lets maxConnections × 8 channels run at once — 64 with 8
// connections — while an HMC accepts a bounded number of concurrent operations and refuses the rest with HSCL3F01
// ("The maximum number of concurrent operations (32) on this HMC has been reached. Please retry the command later.",
// the simulator's wording; code classed transient in activities/hmc/hmc-errors.ts). Bench:dr's first runs lost whole
// hosts of a 200-VM site to that refusal, so a planned move's own verification ended not-ready.
import type { LazarusConfig } from '../../domain/config/index.js';
import type { DeviceRegistry } from '../devices.js';
import { HmcClient } from '../hmc/hmc-client.js';
import { HmcPairClient } from '../hmc/hmc-pair.js';
import { DeviceError } from '../ssh/device-errors.js';

/** How long (ms, real time) one command is asked again while the HMC says it is busy, and the backoff bounds. */
export interface BusyRetry {
  deadlineMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BUSY_RETRY: BusyRetry = { deadlineMs: 120_000, firstDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Whether the HMC answered that it cannot take the command now but may later: a coded answer of class `transient`
 * (HSCL3F01 too many concurrent operations; HSCL2970 a VIOS's RMC connection not yet active). An HMC out of reach is
 * not "busy": the pair asks the other HMC for that at once.
 */
export function isHmcBusy(error: unknown): boolean {
  return error instanceof DeviceError && error.kind === 'device' && error.errorClass === 'transient';
}

/** A counting semaphore: at most `size` holders; waiters are served in arrival order. */
export class Slots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most holders at once since creation (for tests and reports). */
  peak = 0;

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`slots: size must be a positive integer, got ${size}`);
  }

  /** Resolves with the release function once a slot is held; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    this.peak = Math.max(this.peak, this.held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
  }
}

/**
 * One HMC with its operation slots: every command holds a slot while it runs (slots are per HMC and process, shared by
 * every DR read), and a busy refusal (isHmcBusy) is sent again after a jittered exponential backoff — the slot given
 * up meanwhile — until `retry.deadlineMs` has passed since the first try; then the last refusal is thrown.
 */
export class PacedHmcClient extends HmcClient {
  /** How many busy refusals were answered by trying again (for tests and logs). */
  retries = 0;

  constructor(
    readonly inner: HmcClient,
    readonly slots: Slots,
    private readonly retry: BusyRetry = DEFAULT_BUSY_RETRY,
    private readonly now: () => number = Date.now,
  ) {
    super(inner.pool);
  }

  override get device(): string {
    return this.inner.device;
  }

  override async run(command: string, timeoutMs?: number): Promise<string> {
    const deadline = this.now() + this.retry.deadlineMs;
    for (let attempt = 0; ; attempt++) {
      const release = await this.slots.acquire();
      try {
        return await this.inner.run(command, timeoutMs);
      } catch (err) {
        if (!isHmcBusy(err) || this.now() >= deadline) throw err;
      } finally {
        release();
      }
      this.retries++;
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.firstDelayMs * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random() / 2)));
    }
  }
}

interface Paced {
  hmcs: Map<string, PacedHmcClient>;
  pairs: Map<string, HmcPairClient>;
  /** HMC name → its configured operation limit (registered with useDrLimits). */
  limits: Map<string, number>;
}
const pacedByRegistry = new WeakMap<DeviceRegistry, Paced>();

/** The operation limit of an HMC whose configuration was not registered: the config schema's default. */
export const DEFAULT_HMC_OPERATIONS = 8;

function pacedOf(devices: DeviceRegistry): Paced {
  let paced = pacedByRegistry.get(devices);
  if (!paced) pacedByRegistry.set(devices, (paced = { hmcs: new Map(), pairs: new Map(), limits: new Map() }));
  return paced;
}

/**
 * Registers the configured operation limits (`hmcs[].limits.maxConcurrentOperations`) of the HMCs of `devices`, for
 * the DR reads through it (the DR activity factories call it with their dependencies). A limit registered after the
 * HMC's first read does not change its slots.
 */
export function useDrLimits(config: Pick<LazarusConfig, 'hmcs'>, devices: DeviceRegistry): void {
  const { limits } = pacedOf(devices);
  for (const hmc of config.hmcs) limits.set(hmc.name, hmc.limits.maxConcurrentOperations);
}

/**
 * The HMCs `names` (preferred first) as one pair client for DR reads: each member paced within its registered
 * operation limit (useDrLimits; DEFAULT_HMC_OPERATIONS when none was). One instance per registry and HMC order, so
 * the slots and what the pair learnt about a down HMC hold across every read of the process. Throws when an HMC is
 * not in the registry.
 */
export function drReadHmc(
  devices: DeviceRegistry,
  names: readonly string[],
  retry: BusyRetry = DEFAULT_BUSY_RETRY,
): HmcPairClient {
  const state = pacedOf(devices);
  const member = (name: string) => {
    let client = state.hmcs.get(name);
    if (!client) {
      const slots = new Slots(state.limits.get(name) ?? DEFAULT_HMC_OPERATIONS);
      state.hmcs.set(name, (client = new PacedHmcClient(devices.hmc(name), slots, retry)));
    }
    return client;
  };
  const key = names.join(',');
  let pair = state.pairs.get(key);
  if (!pair) state.pairs.set(key, (pair = new HmcPairClient(names.map(member))));
  return pair;
}

/**
 * The HMC pair of the configured site whose HMCs include `hmc`, with `hmc` preferred: a move names the HMC that
 * described a host; its reads may go to the site's other HMC when that one is out of reach. An HMC of no site is read
 * alone.
 */
export function drReadHmcOf(config: Pick<LazarusConfig, 'sites'>, devices: DeviceRegistry, hmc: string): HmcPairClient {
  const site = config.sites.find((s) => s.hmcs.includes(hmc));
  return drReadHmc(devices, [hmc, ...(site?.hmcs.filter((h) => h !== hmc) ?? [])]);
}
