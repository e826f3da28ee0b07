/** What one exec channel returns to the SSH client. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function succeed(stdout = ''): CommandResult {
  return { stdout, stderr: '', exitCode: 0 };
}

/** A device refusing a command; each CLI renders it its own way (HMC: stdout, SVC: stderr). */
export class DeviceCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Lines joined with a trailing newline, the way the devices end their output. */
export function lines(rows: string[]): string {
  return rows.length === 0 ? '' : `${rows.join('\n')}\n`;
}
