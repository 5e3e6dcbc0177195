// Lint: type-aware typescript-eslint rules plus the codebase's boundaries (README "Architecture"). Formatting is
// Prettier's job (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Imports a folder may not make, with the reason the linter prints. */
const boundary = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const NO_APPS = {
  group: ['**/apps/**', '../../apps/*', '../../../apps/*', '../../../../apps/*'],
  message: 'libs/ never import from apps/: move the shared code into a lib.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'libs/database/src/generated/**',
      'libs/client/src/schema.ts',
      'coverage/**',
      'apps/web/public/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'prisma.config.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise returned from inside try without await escapes the catch and the finally.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // Reads some assertions as unnecessary that tsc needs (variables assigned in callbacks, contextual literal types).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests and scripts read HTTP bodies and JSON files as \`any\` on purpose (the assertions are the type check), and
    // jest mocks pass methods around unbound.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      '**/*.browser-spec.ts',
      '**/__fixtures__/**/*.ts',
      'test/**/*.ts',
      'scripts/**/*.ts',
      'examples/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Where each kind of code may reach.
  { files: ['libs/**/*.ts'], rules: boundary([NO_APPS]) },
  {
    files: ['libs/core/src/**/*.ts'],
    rules: boundary([NO_APPS, { group: ['@facegate/core'], message: 'Inside libs/core import by relative path, not through its own barrel.' }]),
  },
  {
    files: ['apps/cli/**/*.ts'],
    rules: boundary([
      { group: ['**/api/src/**', '**/apps/api/**'], message: 'Apps never import each other: shared code lives in libs/ (libs/core for domain services).' },
    ]),
  },
  {
    files: ['apps/api/**/*.ts'],
    rules: boundary([{ group: ['**/cli/src/**', '**/apps/cli/**'], message: 'Apps never import each other: shared code lives in libs/.' }]),
  },
  prettier,
);
