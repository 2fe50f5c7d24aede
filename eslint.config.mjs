// Lint, and the import boundaries of ARCHITECTURE.md:
//   server/src/analysis  imports neither `vscode` nor the LSP packages (it is pure input → findings);
//   server/, debug-adapter/  never import `vscode`;
//   client/  imports only protocol types from the server and the adapter — except the one inline
//            adapter entry (client/src/debugging.ts), which runs the DAP session in-process.
import tseslint from 'typescript-eslint';

const lspPackages = ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-*', 'vscode-languageclient', 'vscode-languageclient/*', 'vscode-jsonrpc', 'vscode-jsonrpc/*'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'examples/**', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['server/src/analysis/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['vscode', ...lspPackages], message: 'The analysis engine is editor-agnostic: no vscode or LSP imports.' }],
      }],
    },
  },
  {
    files: ['server/src/**/*.ts', 'debug-adapter/src/**/*.ts'],
    ignores: ['server/src/analysis/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The server and the adapter run outside VS Code: no vscode imports.' }],
      }],
    },
  },
  {
    files: ['client/src/**/*.ts'],
    ignores: ['client/src/debugging.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/server/src/**', '**/debug-adapter/src/**', '!**/debug-adapter/src/agentProtocol', '!**/server/src/protocol'],
          allowTypeImports: true,
          message: 'The client may import only protocol types from the server and the adapter.',
        }],
      }],
    },
  },
);
