// How Lazarus classes a device's error, the contract between the drivers' code tables and the activities' retry
// decisions. Each device's table (HSCL/VIOSE for the HMC, CMMVC for Spectrum Virtualize) maps codes to one class
// and cites where the meaning comes from.

/**
 * - `transient`: busy, lock held, session limit: the same command later can succeed (retry with backoff).
 * - `state-recheck`: the object is in a transitional state (an operation in progress): read its state again, then
 *   decide; not a plain retry and not final.
 * - `configuration`: the request does not fit the devices' configuration (SAN zoning, profile, unsupported): an
 *   operator must act; never retried.
 * - `capacity`: not enough processors or memory on the target: retrying the same target cannot help; another can.
 * - `not-found`: the object does not exist (an idempotent delete of it has already succeeded).
 * - `already-done`: the requested state already holds (an idempotent create/map/start succeeded earlier).
 * - `authentication`: credentials or permissions refused.
 * - `unknown`: a code Lazarus has no entry for: surfaced with its text; never retried blindly — the activity decides
 *   per step (an idempotent read may retry).
 */
export type ErrorClass =
  | 'transient'
  | 'state-recheck'
  | 'configuration'
  | 'capacity'
  | 'not-found'
  | 'already-done'
  | 'authentication'
  | 'unknown';

/**
 * Whether a plain retry of the same command can help: only for `transient`. `state-recheck` is re-read then decided by
 * the caller, `unknown` is never retried blindly (an idempotent read may choose to), the others are final for this
 * request.
 */
export function retryableClass(errorClass: ErrorClass): boolean {
  return errorClass === 'transient';
}
