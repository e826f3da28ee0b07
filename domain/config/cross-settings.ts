// Rules between settings that each lie inside their own bounds (bounds.ts) but together make no sense: a flap guard
// that can never fire, a poll slower than the deadline it waits for, a heartbeat timeout shorter than the check that
// reads it. Each refusal names the setting to change and the one it was compared with.
import { DEFAULT_TIMING } from '../failover/policy.js';
import { DEFAULT_VM_HEALTH } from '../vm-health/policy.js';
import { formatMs } from './bounds.js';
import type { ConfigProblem } from './references.js';
import type { LazarusConfig } from './schema.js';

/** The cross-setting rules in words, for the README's configuration reference (one line each). */
export const CROSS_SETTING_RULES = [
  'recovery.stepTimeouts.* < recovery.rtoBudget',
  'recovery.pollInterval < recovery.fenceDeadline (default 3m), every step deadline (default, capped at rtoBudget)',
  'monitoring.flapWindow > monitoring.interval × monitoring.flapLimit',
  'policies[].health.heartbeatTimeout > agents.checkInterval; policies[].health.bootTimeout > agents.checkInterval',
  'agents.checkInterval < the default heartbeatTimeout (90s) when agents.tokens are configured',
  'notifications[].retry.initialDelay ≤ retry.maxDelay ≤ retry.maxAge; notifications[].timeout < retry.maxAge',
] as const;

/** The first cross-setting rule `config` breaks, with the path of the setting to change; undefined when none. */
export function findCrossSettingProblem(config: LazarusConfig): ConfigProblem | undefined {
  return recoveryTimings(config) ?? flapGuards(config) ?? heartbeatTimings(config) ?? notificationRetries(config);
}

function recoveryTimings(config: LazarusConfig): ConfigProblem | undefined {
  for (const [gi, group] of config.hostGroups.entries()) {
    const recovery = group.recovery;
    const path = ['hostGroups', gi, 'recovery'];
    // The deadlines each wait runs against, as failoverPolicy works them out (defaults capped at the RTO budget).
    const defaults = DEFAULT_TIMING.steps;
    const deadlines: Array<[string, number]> = [
      ['fenceDeadline', recovery.fenceDeadline ?? DEFAULT_TIMING.fenceDeadlineMs],
      ['stepTimeouts.mapping', recovery.stepTimeouts?.mapping ?? Math.min(defaults.mappingMs, recovery.rtoBudget)],
      [
        'stepTimeouts.remoteRestart',
        recovery.stepTimeouts?.remoteRestart ?? Math.min(defaults.remoteRestartMs, recovery.rtoBudget),
      ],
      ['stepTimeouts.boot', recovery.stepTimeouts?.boot ?? Math.min(defaults.bootMs, recovery.rtoBudget)],
    ];
    for (const [name, deadline] of deadlines)
      if (recovery.pollInterval >= deadline)
        return {
          path: [...path, 'pollInterval'],
          message:
            `must be shorter than ${name} (${formatMs(deadline)}): a wait that polls once per deadline cannot see ` +
            'the device change in time',
        };
  }
  return undefined;
}

/**
 * The flap guard quarantines a host after more than `flapLimit` up/down changes inside `flapWindow`; changes are
 * observed at most once per `interval`, so flapLimit + 1 of them span at least interval × flapLimit, and a window
 * no longer than that never holds enough of them (domain/monitoring/host-tracker.ts).
 */
function flapGuards(config: LazarusConfig): ConfigProblem | undefined {
  for (const [gi, group] of config.hostGroups.entries()) {
    const { interval, flapLimit, flapWindow } = group.monitoring;
    if (flapWindow <= interval * flapLimit)
      return {
        path: ['hostGroups', gi, 'monitoring', 'flapWindow'],
        message:
          `must be longer than interval × flapLimit (${formatMs(interval)} × ${flapLimit} = ` +
          `${formatMs(interval * flapLimit)}): a shorter window can never hold ${flapLimit + 1} changes, so a ` +
          'flapping host would never be quarantined',
      };
  }
  return undefined;
}

/** The VM health monitor reads heartbeat ages every agents.checkInterval: a timeout must outlast one check. */
function heartbeatTimings(config: LazarusConfig): ConfigProblem | undefined {
  const check = config.agents.checkInterval;
  for (const [pi, policy] of config.policies.entries()) {
    for (const field of ['heartbeatTimeout', 'bootTimeout'] as const) {
      const value = policy.health?.[field];
      if (value !== undefined && value <= check)
        return {
          path: ['policies', pi, 'health', field],
          message:
            `must be longer than agents.checkInterval (${formatMs(check)}): the health monitor reads heartbeat ` +
            'ages only that often',
        };
    }
  }
  if (config.agents.tokens.length > 0 && check >= DEFAULT_VM_HEALTH.heartbeatTimeoutMs)
    return {
      path: ['agents', 'checkInterval'],
      message:
        `must be shorter than the default heartbeatTimeout (${formatMs(DEFAULT_VM_HEALTH.heartbeatTimeoutMs)}) ` +
        'of VMs no policy gives one',
    };
  return undefined;
}

function notificationRetries(config: LazarusConfig): ConfigProblem | undefined {
  for (const [ni, channel] of config.notifications.entries()) {
    const { maxDelay, maxAge } = channel.retry;
    if (maxDelay > maxAge)
      return {
        path: ['notifications', ni, 'retry', 'maxDelay'],
        message: `must not be longer than maxAge (${formatMs(maxAge)})`,
      };
    if (channel.timeout >= maxAge)
      return {
        path: ['notifications', ni, 'timeout'],
        message: `must be shorter than retry.maxAge (${formatMs(maxAge)}): no attempt could finish in time`,
      };
  }
  return undefined;
}
