// ESLint flat config. Type-aware rules run over everything TypeScript;
// src/core may never import the editor API, so it stays testable without VS Code,
// and imports between the folders of src/ only go down (upkeep/layers, scripts/eslint-layers.mjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { LAYERS, upkeepPlugin } from './scripts/eslint-layers.mjs';

export { LAYERS };

export const layersOnlyGoDown = { 'upkeep/layers': 'error' };

export const coreMayNotImportVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'src/core must not depend on the editor: move this code to the editor layer or pass what it needs in.' }],
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/services/neo4j/**', 'test-results/**', '.upkeep-demo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  { files: ['src/**/*.ts', 'test/**/*.ts'], rules: { 'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }] } },
  { files: ['src/core/**/*.ts'], rules: coreMayNotImportVscode },
  { files: ['src/**/*.ts'], plugins: { upkeep: upkeepPlugin }, rules: layersOnlyGoDown },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['scripts/driver-entries/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
