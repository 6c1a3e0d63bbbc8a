import jupyter from '@jupyter/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/lib/**',
      '**/labextension/**',
      '**/coverage/**',
      '**/*.d.ts',
      '.venv/**',
      '.venv-collab/**',
      '.binder-check/**',
      'bench/.venv-rise/**',
      'ui-tests/playwright-report/**',
      'ui-tests/test-results/**',
      'ui-tests/artifacts/**',
      'ui-tests/.jupyter-test-*/**',
      'bench/results/**'
    ]
  },
  ...tseslint.configs.recommended,
  { plugins: { jupyter } },
  ...jupyter.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: { regex: '^I[A-Z]', match: true }
        }
      ],
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      curly: ['error', 'all'],
      eqeqeq: ['error', 'smart'],
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // Tests assert on the English UI; they are not UI themselves.
    files: ['ui-tests/**/*.ts', '**/test/**/*.ts', 'testutils/**/*.ts'],
    rules: { 'jupyter/no-untranslated-string': 'off' }
  },
  {
    // The slideshow's cells are views in the deck, not notebook cells: Galata's notebook helpers do not reach them.
    files: ['ui-tests/tests/slides*.spec.ts'],
    rules: { 'jupyter/galata-prefer-notebook-cell-helper': 'off' }
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  prettier
);
