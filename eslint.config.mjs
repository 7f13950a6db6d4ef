import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`]);

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
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // and from activities/ only types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.filter((m) => !m.endsWith('/*')),
        patterns: [
          { group: nodeBuiltins.filter((m) => m.endsWith('/*')), message: 'Node built-ins are not allowed in workflow code.' },
          { group: ['@aws-sdk/*', 'express', 'openai', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '../common/*', '../api/*', '../workers/*', '../jobs/*'], message: 'Workflow code may import only @temporalio/workflow, its own files and types from activities/.' },
          { group: ['../activities/*'], allowTypeImports: true, message: 'Only `import type` from activities/ in workflow code.' },
        ],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process', 'require'],
    },
  },
);
