// Guardrails on top of the recommended sets: ternary depth, function length and line length. Prettier owns
// layout (`eslint-config-prettier`); import cycles and the inward direction are dependency-cruiser's
// (`.dependency-cruiser.cjs`), which counts `import type` where eslint-plugin-import-x's no-cycle cannot.
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { maxTernaryDepth } from './eslint-rules/ternary-depth.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'reports/', 'coverage/', '.stryker-tmp/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: globals.node },
    plugins: { switchyard: { rules: { 'max-ternary-depth': maxTernaryDepth } } },
    rules: {
      'switchyard/max-ternary-depth': ['error', 2],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
      // Code and comments within Prettier's width; a long message string or pattern may run on.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      // `_` names what a destructuring or a signature must hold and the code does not read.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The dashboard runs in the browser; its components are templates, read top to bottom.
    files: ['ui/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // A suite's describe block is a list of cases, not a function to read top to bottom.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
);
