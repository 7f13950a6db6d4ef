import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]);

/** A relative import of one of BING's folders from any depth: folders('api') matches '../api/x' and '../../api'. */
const folders = (...names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

/** Who may import whom (../shared/DESIGN.md, "Layout and who may import whom"), one rule per folder. */
const layout = (files, patterns, paths = []) => ({ files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } });

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'dist/', 'dist.*/', '.data/', '.test-data/', 'test/artifacts/', 'bench/out/', 'api/web/vendor/', '**/*.cjs', '**/*.mjs', '!api/web/public/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The web page's modules run in the browser as they are.
    files: ['api/web/public/*.mjs'],
    languageOptions: { globals: globals.browser },
  },
  // Workflows import contracts/, so no Node built-ins there either.
  layout(['contracts/**/*.ts'], [
    { group: ['../*'], message: 'contracts/ imports only libraries and its own files.' },
    { group: nodeBuiltins.filter((m) => m.endsWith('/*')), message: 'Node built-ins are not allowed in contracts/: workflow code imports it.' },
  ], nodeBuiltins.filter((m) => !m.endsWith('/*'))),
  layout(['common/**/*.ts'], [{ group: ['../*'], message: 'common/ imports only libraries and its own files.' }]),
  layout(['activities/**/*.ts'], [
    { regex: folders('workflows', 'api', 'workers', 'client', 'jobs'), message: 'activities/ imports contracts/, common/, its own files and libraries: shared types live in contracts/.' },
  ]),
  layout(['client/**/*.ts'], [
    { regex: folders('api', 'workers'), message: 'client/ is shared by the API and the workers: it imports contracts/, common/ and the Temporal client.' },
    { regex: folders('activities', 'workflows'), allowTypeImports: true, message: 'client/ takes only types (workflow and activity signatures) from workflows/ and activities/.' },
  ]),
  layout(['workers/**/*.ts'], [{ regex: folders('api'), message: 'workers/ never imports api/: the services they share live in client/.' }]),
  layout(['api/**/*.ts'], [{ regex: `${folders('workers')}|^(\\.\\./)+activities/gpu(/|$)`, message: 'The API holds no worker part and no GPU runner.' }]),
  layout(['jobs/**/*.ts'], [
    { regex: folders('activities', 'api', 'client', 'common', 'workers', 'workflows'), message: 'A job talks to the rest through files and environment variables: it imports its own files, contracts/ and libraries.' },
  ]),
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // and from activities/ only types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.filter((m) => !m.endsWith('/*')),
        patterns: [
          { group: nodeBuiltins.filter((m) => m.endsWith('/*')), message: 'Node built-ins are not allowed in workflow code.' },
          { group: ['@aws-sdk/*', 'express', 'openai', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflow code may import only @temporalio/workflow, contracts/, its own files and types from activities/.' },
          { regex: folders('common', 'api', 'workers', 'jobs', 'client'), message: 'Workflow code may import only @temporalio/workflow, contracts/, its own files and types from activities/.' },
          { regex: folders('activities'), allowTypeImports: true, message: 'Only `import type` (activity signatures) from activities/ in workflow code.' },
        ],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process', 'require'],
    },
  },
);
