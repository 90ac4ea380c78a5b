import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'src/atlas/openapi.d.ts', 'coverage/**', '.cache/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-console': 'error',
    },
  },
  {files: ['scripts/**', 'bench/**', 'test/**'], rules: {'no-console': 'off'}},
  // The two CommonJS files: the entry (a CommonJS entry skips Node's ES module loader) and the bundle's debug shim.
  {
    files: ['bin/run.js', 'scripts/bundle-debug.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {require: 'readonly', module: 'writable', __dirname: 'readonly'},
    },
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  // Type-aware rules where they find real defects: an unawaited promise, a promise where a callback is expected, an
  // await of a non-promise, and a cast that does nothing.
  {
    files: ['src/**/*.ts'],
    languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  // Layout is prettier's job (npm run format); eslint keeps to defects.
  prettier,
)
