import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.lazarus/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Workflow code must stay deterministic: no I/O, clocks or randomness outside Temporal's APIs.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'child_process', 'net', 'crypto', 'ssh2', 'pg', 'better-sqlite3', 'express'], message: 'workflows must be deterministic: do I/O in activities' },
        { group: ['../activities/*', '../activities/**'], allowTypeImports: true, message: 'workflows import activity types only' },
      ] }],
    },
  },
);
