import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point one way (docs/DESIGN.md): api, workers → workflows, activities → domain. Workflows import
// activity types only; activities never import workflows; domain imports nothing of ours outside domain.
const OURS_OUTSIDE_DOMAIN = [
  'activities',
  'workflows',
  'workers',
  'api',
  'simulators',
  'devserver',
  'bin',
  'bench',
  'test',
];
const upTo = (dir) => [`../${dir}`, `../${dir}/**`, `../../${dir}`, `../../${dir}/**`, `../../../${dir}/**`];

export default tseslint.config(
  { ignores: ['node_modules/', '.lazarus/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Workflow code must stay deterministic: no I/O, clocks or randomness outside Temporal's APIs.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'child_process',
                'net',
                'crypto',
                'ssh2',
                'pg',
                'better-sqlite3',
                'express',
              ],
              message: 'workflows must be deterministic: do I/O in activities',
            },
            { group: upTo('activities'), allowTypeImports: true, message: 'workflows import activity types only' },
          ],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...upTo('workflows'), ...upTo('api'), ...upTo('workers')],
              message: 'activities depend on domain only: shared contracts belong in domain/',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: OURS_OUTSIDE_DOMAIN.flatMap(upTo),
              message: 'domain is pure: it imports nothing of ours outside domain/',
            },
          ],
        },
      ],
    },
  },
);
