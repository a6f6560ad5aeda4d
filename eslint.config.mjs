// ESLint 9 flat config: typescript-eslint's recommended rules for the plugin, its tests and the bench.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', 'migrations/dist/', 'bench/node_modules/', 'bench/.work/', '.test-tmp/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
    rules: {
      // Lazy `require()` keeps TypeScript, vinyl and streamx out of the start-up path of `gulp migrate`.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Small, clear modules: one job per file, functions that fit on a screen.
    files: ['tasks/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
)
