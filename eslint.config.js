// ESLint (flat config) with typescript-eslint's recommended rules for the whole TypeScript tree.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'provisioning/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a value that is unused on purpose (destructuring something away, an ignored argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests read arbitrary JSON responses and assert on their shape.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A mongosh script run by the MongoDB image at first start.
    files: ['deploy/mongo/*.js'],
    languageOptions: { globals: { process: 'readonly', db: 'readonly' } },
  },
);
