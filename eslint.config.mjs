// Floating promises lose errors in activities and break determinism in workflows, so they are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', 'bin/**', 'eslint.config.mjs', 'test/support/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no activity code.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          patterns: [{ group: ['../activities/*', '../activities'], message: 'Import activities as types only.', allowTypeImports: true }],
        },
      ],
    },
  },
  {
    // Layering: the pure plan model, the report and the activities sit below the workflows and never
    // reach up into them, not even for a type (a type import is how the old cycles began).
    files: ['src/plan/**/*.ts', 'src/report/**/*.ts', 'src/activities/**/*.ts', 'src/render/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows', '**/workflows/*', '**/workflows/**'],
              message: 'plan/, report/, render/ and activities/ sit below workflows/: move what both need down into plan/.',
              allowTypeImports: false,
            },
          ],
        },
      ],
    },
  },
);
