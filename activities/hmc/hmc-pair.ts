// A host group's redundant HMC pair as one HMC client. IBM supports two HMCs managing the same managed systems as
// peers ("A server might be managed by either 1 or 2 Hardware Management Consoles … each HMC can be used to control
// the managed system", POWER9 docs, Introduction to the HMC; "the results of commands issued by one HMC are visible
// in the other", HMC Installation and Operations Guide), so when the preferred HMC cannot be reached every command
// goes to the other one. Only failures of the HMC itself move a command: it could not be reached, it did not answer
// in time, or it refused the login (error kinds unreachable, timeout, auth, host-key, credential). An answer from the
// HMC, even an error (HSCL…), is the answer and is not asked again elsewhere — including an HMC that lost its own
// connection to one system and refuses commands on it (`No Connection`): the other HMC might act, but telling that
// case from a dead server is the host monitor's job (it reads both HMCs), not a driver's guess.
// Re-sending a state change to the other HMC is safe because every HmcClient change re-reads the state first and
// treats "already so" as success (activate → already Running, power off → already Power Off, HSCLA9A4 for a remote
// restart in progress), the same idempotence a Temporal retry of the activity relies on.
import { DeviceError, type DeviceErrorKind } from '../ssh/device-errors.js';
import { HmcClient, type Partition } from './hmc-client.js';

/** Managed-system states in which an HMC answers from its records because its link to the system is down. */
const HMC_LOST_STATES: ReadonlySet<string> = new Set(['No Connection', 'Incomplete']);

/** Error kinds that say the HMC itself is out of reach (not that it answered with an error). */
const HMC_OUT_OF_REACH: ReadonlySet<DeviceErrorKind> = new Set([
  'unreachable',
  'timeout',
  'auth',
  'host-key',
  'credential',
]);

/**
 * Whether an HMC refused a command because it has lost its connection to the managed system: HSCL0237 "This operation
 * is not allowed when the managed system <name> is in the No Connection state" (or Incomplete, whose partitions the
 * HMC cannot read). IBM HMC help, "Managed system states": No Connection means this HMC cannot talk to the service
 * processor; a second HMC with its own link may.
 */
export function lostTheSystem(error: unknown): boolean {
  return (
    error instanceof DeviceError &&
    error.code === 'HSCL0237' &&
    /in the (No Connection|Incomplete) state/.test(error.message)
  );
}

/** Whether an error means the HMC could not be used at all, so the other HMC of the pair should be asked. */
export function isHmcOutOfReach(error: unknown): boolean {
  return error instanceof DeviceError && HMC_OUT_OF_REACH.has(error.kind);
}

/**
 * How long an HMC that could not be reached is asked only after the other one (ms). A blackholed HMC costs a connect
 * timeout per attempt; remembering it spares every following command that wait, and after this time it is tried
 * first again (it may be back).
 */
export const HMC_DOWN_MEMORY_MS = 60_000;

export class HmcPairClient extends HmcClient {
  /** HMC name → until when (epoch ms) it is asked second. Shared by every command of this pair in the process. */
  private readonly downUntil = new Map<string, number>();
  private answered: string;
  /** How many commands were answered by an HMC other than the first one tried (for reports and tests). */
  failovers = 0;

  private readonly listeners = new Set<(line: string) => void>();

  /**
   * `members`: the group's HMC clients in order of preference (1 or 2). `log` (and every `listen`er) receives one
   * line each time a command goes to the other HMC, naming both and why.
   */
  constructor(
    readonly members: readonly HmcClient[],
    log?: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    if (members.length < 1 || members.length > 2) throw new Error('an HMC pair has one or two HMCs');
    super(members[0]!.pool);
    this.answered = members[0]!.device;
    if (log) this.listeners.add(log);
  }

  /** Adds a receiver of the failover lines; the same function added twice receives each line once. */
  listen(log: (line: string) => void): void {
    this.listeners.add(log);
  }

  /** The HMC that answered the last command (the preferred one until a command had to go to the other). */
  get answeredBy(): string {
    return this.answered;
  }

  /** Names the HMC that answered last, so driver error texts name the HMC that printed them. */
  override get device(): string {
    return this.answered;
  }

  /**
   * Runs the command on the first HMC that can be reached, in order of preference (a recently failed one last). When
   * none can, the error is the first one's kind and class with every HMC's message, so it names both.
   */
  override async run(command: string, timeoutMs?: number): Promise<string> {
    const order = this.order();
    const failures: DeviceError[] = [];
    for (const [index, member] of order.entries()) {
      try {
        const output = await member.run(command, timeoutMs);
        this.downUntil.delete(member.device);
        this.answered = member.device;
        return output;
      } catch (err) {
        const next = order[index + 1];
        // An HMC that answers but cannot reach the managed system (its service-processor link is down) is fine
        // itself and is not set aside: the other HMC of the pair has its own link and may still reach the system.
        const lost = next !== undefined && lostTheSystem(err);
        if (!lost && !isHmcOutOfReach(err)) {
          this.answered = member.device;
          throw err;
        }
        failures.push(err as DeviceError);
        if (!lost) this.downUntil.set(member.device, this.now() + HMC_DOWN_MEMORY_MS);
        if (!next) break;
        this.failovers++;
        const why = lost ? 'cannot reach the system' : 'out of reach';
        const line = `${member.device} ${why} (${(err as Error).message}); asking ${next.device}: ${command}`;
        for (const listener of this.listeners) listener(line);
      }
    }
    const [first] = failures;
    if (failures.length === 1) throw first;
    throw new DeviceError(
      first!.kind,
      first!.device,
      failures.map((f) => f.message).join('; '),
      first!.retryable,
      first!.code,
      first!.command,
      first!.errorClass,
    );
  }

  /**
   * The system's state from the best-informed HMC: when the one asked shows it `No Connection` or `Incomplete` (its
   * own link to the service processor is down, so it answers from its records), the other HMC is asked too and its
   * state wins if it has one. Its failure to answer leaves the first answer standing.
   */
  override async systemState(system: string): Promise<string> {
    const state = await super.systemState(system);
    if (!HMC_LOST_STATES.has(state)) return state;
    const other = await this.fromOther((member) => member.systemState(system));
    return other !== undefined && !HMC_LOST_STATES.has(other) ? other : state;
  }

  /** Every system's state, each from the best-informed HMC (see systemState). */
  override async systemStates(timeoutMs?: number): Promise<Map<string, string>> {
    const states = await super.systemStates(timeoutMs);
    if (![...states.values()].some((state) => HMC_LOST_STATES.has(state))) return states;
    const other = await this.fromOther((member) => member.systemStates(timeoutMs));
    for (const [system, state] of other ?? [])
      if (HMC_LOST_STATES.has(states.get(system) ?? '') && !HMC_LOST_STATES.has(state)) states.set(system, state);
    return states;
  }

  /**
   * The system's partitions from the best-informed HMC: an HMC that lost the system lists every partition `Not
   * Available` from its records; the other HMC is asked then, and its listing wins when it shows any real state.
   */
  override async listPartitions(system: string): Promise<Partition[]> {
    const partitions = await super.listPartitions(system);
    if (partitions.length === 0 || !partitions.every((p) => p.state === 'Not Available')) return partitions;
    const other = await this.fromOther((member) => member.listPartitions(system));
    return other !== undefined && other.some((p) => p.state !== 'Not Available') ? other : partitions;
  }

  /** One partition from the best-informed HMC (see listPartitions). */
  override async partition(system: string, lpar: string): Promise<Partition | undefined> {
    const partition = await super.partition(system, lpar);
    if (partition?.state !== 'Not Available') return partition;
    const other = await this.fromOther((member) => member.partition(system, lpar));
    return other !== undefined && other.state !== 'Not Available' ? other : partition;
  }

  /** The same read on the HMC that did not answer last (undefined with one HMC, or when it cannot answer). */
  private async fromOther<T>(read: (member: HmcClient) => Promise<T>): Promise<T | undefined> {
    const other = this.members.find((m) => m.device !== this.answered);
    if (!other) return undefined;
    try {
      const value = await read(other);
      this.answered = other.device;
      return value;
    } catch {
      return undefined;
    }
  }

  private order(): HmcClient[] {
    const now = this.now();
    const isDown = (member: HmcClient) => (this.downUntil.get(member.device) ?? 0) > now;
    return [...this.members.filter((m) => !isDown(m)), ...this.members.filter(isDown)];
  }
}
