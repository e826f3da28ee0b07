#!/usr/bin/env node
/* global fetch, AbortSignal */
// The container's HEALTHCHECK: exit 0 when the API on this container answers GET /v1/healthz with 200 (Temporal
// reachable and the inventory store answering), 1 otherwise. The port is LAZARUS_API_LISTEN's (default 8740); a
// wildcard listen address is reached on loopback.
const listen = process.env.LAZARUS_API_LISTEN || '0.0.0.0:8740';
const colon = listen.lastIndexOf(':');
const host = colon > 0 ? listen.slice(0, colon) : listen;
const port = colon > 0 ? listen.slice(colon + 1) : '8740';
const target = ['0.0.0.0', '::', '[::]', ''].includes(host) ? '127.0.0.1' : host;

try {
  const response = await fetch(`http://${target}:${port}/v1/healthz`, { signal: AbortSignal.timeout(4000) });
  const body = await response.text();
  console.log(`${response.status} ${body.slice(0, 200)}`);
  process.exit(response.status === 200 ? 0 : 1);
} catch (err) {
  console.log(
    `no answer from http://${target}:${port}/v1/healthz: ${err?.cause?.code ?? err?.cause?.message ?? err?.message ?? err}`,
  );
  process.exit(1);
}
