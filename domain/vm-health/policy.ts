// VM and application health policy, worked out once per VM from the configuration: the `health` fields of every
// matching `policies` entry, applied in order over the defaults (the same matching as priority and placement).
import { matches } from '../config/policies.js';
import type { LazarusConfig } from '../config/schema.js';

/** Every figure in milliseconds. */
export interface VmHealthPolicy {
  /** No heartbeat for this long (on an Operating host) → the VM is restarted, or only alerted on. */
  heartbeatTimeoutMs: number;
  /** Restarts per VM in any sliding hour; beyond it Lazarus alerts (`vm-restart-limit`) and does nothing. */
  restartLimit: number;
  /** An application reported failed this many consecutive heartbeats restarts its VM. */
  appFailureThreshold: number;
  /** `restart`: restart the VM; `alert`: only notify. */
  action: 'restart' | 'alert';
  /** After an activation: how long until the LPAR is Running and its agent reported again. */
  bootTimeoutMs: number;
}

/**
 * Defaults in the spirit of IBM VMRM HA's VM monitoring (a missed-heartbeat threshold of the order of a minute or two,
 * a few restarts before giving up): 90 s, 3 per hour, 3 consecutive application failures, 10 minutes to boot.
 */
export const DEFAULT_VM_HEALTH: VmHealthPolicy = {
  heartbeatTimeoutMs: 90_000,
  restartLimit: 3,
  appFailureThreshold: 3,
  action: 'restart',
  bootTimeoutMs: 10 * 60_000,
};

/** The health policy of one VM of `group`: matching `policies[].health` fields over DEFAULT_VM_HEALTH, in order. */
export function vmHealthPolicy(
  config: Pick<LazarusConfig, 'policies'>,
  vm: { name: string; group: string; tags?: string[] },
): VmHealthPolicy {
  const effective = { ...DEFAULT_VM_HEALTH };
  for (const policy of config.policies) {
    if (!policy.health || !matches(policy, vm)) continue;
    const health = policy.health;
    if (health.heartbeatTimeout !== undefined) effective.heartbeatTimeoutMs = health.heartbeatTimeout;
    if (health.restartLimit !== undefined) effective.restartLimit = health.restartLimit;
    if (health.appFailureThreshold !== undefined) effective.appFailureThreshold = health.appFailureThreshold;
    if (health.action !== undefined) effective.action = health.action;
    if (health.bootTimeout !== undefined) effective.bootTimeoutMs = health.bootTimeout;
  }
  return effective;
}
