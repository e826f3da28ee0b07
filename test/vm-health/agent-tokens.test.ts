// Agent tokens are resolved from their references (env:, file:) when the API is built, and the API refuses to start
// with a token too short to be a secret or one that is also an operator token (one secret must not open both doors).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { openSqliteStore } from '../../activities/inventory/index.js';
import { resolveAgentTokens } from '../../api/agent-routes.js';
import { createApi } from '../../api/app.js';
import { parseConfigText } from '../../domain/config/index.js';

const EXAMPLE = new URL('../../examples/lazarus.yaml', import.meta.url);

function configWith(agents: string) {
  return parseConfigText(`${readFileSync(EXAMPLE, 'utf8')}\nagents:\n${agents}`, 'lazarus.yaml');
}

describe('agent tokens', () => {
  it('resolves env: and file: references (a file holds the token as text)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazarus-agent-tokens-'));
    try {
      writeFileSync(join(dir, 'prod.token'), 'file-token-0123456789abcdef\n', { mode: 0o600 });
      const config = configWith(
        `  tokens:\n    - { name: dbs, token: env:TEST_AGENT_DB, vms: ["dc1-db*"] }\n` +
          `    - { name: prod, token: "file:${join(dir, 'prod.token')}", group: dc1-prod }\n`,
      );
      const tokens = resolveAgentTokens(config, { TEST_AGENT_DB: 'env-token-0123456789abcdef' });
      assert.deepEqual(
        tokens.map((t) => [t.name, t.secret.toString(), t.vms ?? t.group]),
        [
          ['dbs', 'env-token-0123456789abcdef', ['dc1-db*']],
          ['prod', 'file-token-0123456789abcdef', 'dc1-prod'],
        ],
      );
      assert.throws(() => resolveAgentTokens(config, {}), /TEST_AGENT_DB/);
      assert.throws(
        () => resolveAgentTokens(config, { TEST_AGENT_DB: 'short' }),
        /agent token dbs: the token must be at least 16 characters/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to build the API when an agent token is also an operator token', async () => {
    const config = configWith('  tokens:\n    - { name: prod, token: env:TEST_AGENT_PROD, group: dc1-prod }\n');
    const secret = 'shared-token-0123456789abcdef';
    const agentTokens = resolveAgentTokens(config, { TEST_AGENT_PROD: secret });
    const store = await openSqliteStore(':memory:');
    try {
      const options = { client: {} as Client, config, store, agentTokens, log: () => undefined };
      assert.throws(() => createApi({ ...options, tokens: [secret] }), /agent token prod is also an API token/);
      assert.doesNotThrow(() => createApi({ ...options, tokens: ['operator-token-0123456789abcdef'] }));
    } finally {
      await store.close();
    }
  });
});
