// ESLint flat config for the Roster monorepo.
//
// Type-aware linting (typescript-eslint projectService) is enabled for every
// TypeScript file. The rules that catch async bugs are errors:
//   - @typescript-eslint/no-floating-promises  (un-awaited promise; use `await` or `void p`)
//   - @typescript-eslint/no-misused-promises   (async fn where a void callback is expected)
// The noisy no-unsafe-* family is off so untyped JSON / test doubles don't block progress.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";
import { boundaries } from "./eslint.boundaries.js";

const TS_FILES = ["**/*.{ts,tsx,mts,cts}"];
const JS_FILES = ["**/*.{js,mjs,cjs,jsx}"];
const TEST_FILES = ["**/*.test.{ts,tsx}", "test/**/*.{ts,tsx}", "bench/**/*.{ts,tsx}"];

export default defineConfig([
  globalIgnores([
    "**/node_modules/",
    "**/dist/",
    "**/coverage/",
    "**/.data/",
    "tmp/",
    "**/*.tsbuildinfo",
    "pnpm-lock.yaml",
  ]),

  {
    linterOptions: { reportUnusedDisableDirectives: "warn" },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },

  // Plain JavaScript (config files, bin shims): no type information.
  {
    files: JS_FILES,
    extends: [js.configs.recommended],
  },

  // TypeScript: type-aware.
  {
    files: TS_FILES,
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // --- the point of this config: async correctness ---
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: true, ignoreIIFE: false }],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",

      // --- pragmatic relaxations ---
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-enum-comparison": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-explicit-any": "warn",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowAny: true },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrors: "none",
          ignoreRestSiblings: true,
        },
      ],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },

  // Tests, e2e and benchmarks: mocks make these noisy.
  {
    files: TEST_FILES,
    rules: {
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },

  // React (Ink) TUI: classic rules of hooks. The React-Compiler rules in the
  // plugin's v7 "recommended" preset are deliberately not enabled (too noisy).
  {
    files: ["packages/tui/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },

  // The architecture's boundaries (see eslint.boundaries.js).
  ...boundaries,

  // Must be last: turn off stylistic rules that conflict with Prettier.
  prettier,
]);
