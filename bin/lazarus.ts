#!/usr/bin/env node
// `lazarus`: the command line of Lazarus (cli/). Runs one command against the HTTP API and exits with its code
// (cli/errors.ts, EXIT). Started as `npx lazarus …` through bin/lazarus.mjs, or compiled as dist/bin/lazarus.js.
import { runCli } from '../cli/commands.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
