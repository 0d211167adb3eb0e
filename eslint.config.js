// ESLint flat config: typescript-eslint's recommended type-aware rules, plus the layer rules of DESIGN.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeIoModules = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'tls',
  'os',
  'process',
];
const ioPatterns = nodeIoModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.mjs'] } },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Fastify handlers and plugins are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests may poke at loosely typed JSON responses; node:test's test() returns a promise the runner awaits.
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    // src/protocol is pure: no I/O modules, no clock or randomness globals, nothing from other layers.
    files: ['src/protocol/**/*.ts'],
    ignores: ['src/protocol/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioPatterns.map((name) => ({ name, message: 'src/protocol must stay free of I/O.' })),
          patterns: [
            {
              group: [
                '**/storage/**',
                '**/services/**',
                '**/api/**',
                '**/http/**',
                '**/config/**',
                '**/app.js',
                '**/server.js',
                '**/cli.js',
              ],
              message: 'src/protocol imports nothing from other layers.',
            },
            {
              group: ['fastify', 'kysely', 'pg', 'better-sqlite3', 'undici', 'pino'],
              message: 'src/protocol must stay free of I/O.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'src/protocol must stay free of I/O.' },
        { name: 'process', message: 'src/protocol must stay free of I/O.' },
        { name: 'setTimeout', message: 'Pass time in explicitly.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass the clock in explicitly.' },
        { object: 'Math', property: 'random', message: 'Pass randomness in explicitly.' },
      ],
    },
  },
  {
    // Import direction: api -> services -> storage -> protocol.
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/**', '**/api/**', '**/http/**'],
              message: 'storage must not import upper layers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/api/**', '**/http/**', 'fastify'], message: 'services must not depend on HTTP.' },
          ],
        },
      ],
    },
  },
);
