// Lint the TypeScript sources with the recommended rules; type-checking is tsc's job (npm run typecheck).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only config.ts may read the environment (one config object, parsed once).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/shared/config.ts.' }],
    },
  },
  {
    files: ['src/shared/config.ts', 'test/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
