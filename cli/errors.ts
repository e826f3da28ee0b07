// The CLI's exit codes and its one error type. Every error the CLI prints says what went wrong and what to do next;
// the exit code lets a script tell "Lazarus said no" from "Lazarus could not be reached" without parsing the text.

/** Exit codes of `lazarus` (documented in README.md, "Command line", and in `lazarus --help`). */
export const EXIT = {
  /** Done; for `watch` and `failover --watch`: the failover ended `succeeded` (or was a dry run). */
  ok: 0,
  /** An unexpected error (a bug, or an answer the CLI does not understand). */
  internal: 1,
  /** The command line is wrong: an unknown verb or flag, a missing argument. */
  usage: 2,
  /** The API could not be reached (connection refused, DNS, timeout). */
  unreachable: 3,
  /** The API refused the token (401) or the token's role (403); or no token is set. */
  auth: 4,
  /** What was named does not exist (404): no such host, LPAR, host group or failover. */
  notFound: 5,
  /** The request conflicts with the current state (409): a failover already running, not running, fence not blocked. */
  conflict: 6,
  /** The failover ended but did not succeed (partial, failed, rejected, cancelled, host-returned, …). */
  notSucceeded: 7,
  /** The API refused the request as invalid (400, 415, 422) or failed (5xx). */
  api: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error for the operator: `message` says what happened, `hint` what to do next; `exitCode` from EXIT. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
  }
}
