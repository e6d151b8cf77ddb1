// ESLint (flat config): JavaScript's recommended rules, typescript-eslint's
// type-checked recommended rules, and the React hooks rules (the rules of
// hooks, exhaustive effect dependencies, and the React Compiler's checks of
// refs, state and purity). `npm run lint` runs it with --max-warnings 0, and
// scripts/test runs that: any finding fails the tests.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'e2e/artifacts/', 'e2e/screenshots/', 'node_modules/'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // The app's and the browser tests' own tsconfigs (the latter holds
      // playwright.config.ts).
      parserOptions: { project: ['./tsconfig.json', './e2e/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['e2e/**/*.ts', 'playwright.config.ts', 'vite.config.ts'],
    languageOptions: { globals: globals.node },
    rules: {
      // Playwright reads a fixture's dependencies from its first parameter,
      // which must be an object pattern: `async ({}, use) => ...` is how a
      // fixture that needs none is written.
      'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }],
    },
  },
  {
    files: ['eslint.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
);
