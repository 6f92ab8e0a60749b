// ESLint flat config: the recommended JavaScript and typescript-eslint rule sets, for every
// TypeScript and JavaScript file of the project. Formatting is Prettier's (.prettierrc.json),
// so no stylistic rules here. `npm run lint` allows zero warnings; `npm test` runs it and `npm run format:check`.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // assembly/ is AssemblyScript (decorators on functions, i32/f64 types): compiled by asc, not TypeScript.
  // clients/typescript/src/openapi.generated.ts is openapi-typescript's output (npm run openapi), checked by tsc.
  {
    ignores: [
      'dist/',
      'clients/typescript/dist/',
      'clients/typescript/src/openapi.generated.ts',
      'node_modules/',
      'coverage/',
      '.tap/',
      'clients/python/',
      'assembly/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a value kept on purpose (a destructured field left out, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Ambient declarations (the WebAssembly API that lib and @types/node 20 lack) are namespaces by nature.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
    },
  },
  {
    // Tests read JSON answers of any shape and check them with tap's matchers: `Record<string, any>` is the honest type there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The browser test's page scripts and the docs page run in a browser.
    files: ['**/*.browser.js', 'src/routes/docs/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
