// `npm run lint` (run by `npm test` before the suite): eslint's and typescript-eslint's
// recommended rules on the platform, plugins, tests and scripts, without type information
// so it stays fast. The UIs are checked by vue-tsc (`npm run typecheck`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', 'artifacts/', 'coverage/', '.data/', 'admin-ui/', 'public-ui/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' },
    },
    rules: {
      // Plugin definitions and JSON documents are typed `any` on purpose at the SDK's edges.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // `let server!: T` assigned by the callback that reads it (test fakes).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A caught error turned into an AppError keeps its message for the problem+json answer; its cause would not reach anyone.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
