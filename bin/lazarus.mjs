#!/usr/bin/env node
// The `lazarus` bin of the package (`npx lazarus …` after `npm ci`, no build step). Plain JavaScript, like
// bin/temporal-dev: it registers tsx (a runtime dependency, the loader `npm start` already uses) in this process and
// loads the TypeScript entry point, so the CLI always runs the checked-out source, never a stale build, and signals
// and the exit code need no relaying to a child. The container image runs the compiled dist/bin/lazarus.js instead.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./lazarus.ts', import.meta.url).href);
