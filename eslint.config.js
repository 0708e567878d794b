// ESLint for the course: typescript-eslint's type-aware rules over everything learners read or run.
// `npm run lint` runs it, and so does `npm test` (course/check/lint.ts). Layout is Prettier's job.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      ".course/",
      "my-notebooks/",
      // Wrong answers on purpose (`// @ts-nocheck`): the bench swaps them in to prove a test catches them.
      "course/bench/fixtures/mutants/",
      // Broken on purpose: labs and kernels the machinery's tests must survive.
      "course/tests/fixtures/",
    ],
  },
  {
    files: ["**/*.ts", "**/*.cjs", "**/*.mjs"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Types come from the two projects npm test type-checks: the course (.ts) and the kernel (.cjs, checkJs).
      parserOptions: { project: ["./tsconfig.json", "./course/kernel/tsconfig.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The two the course cares most about: a promise nobody awaits loses its error, and an async
      // function where a plain callback is expected (an event listener) rejects into the void.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Off: TypeScript (strict, and checkJs for the kernel) already reports every undefined name.
      "no-undef": "off",
      // Off: an async function is a promise-returning contract; a test's fake source or an
      // implementation with nothing to await yet keeps the signature its callers await.
      "@typescript-eslint/require-await": "off",
      // Off: the course matches terminal escape codes (\x1b[...m) on purpose, to strip colours.
      "no-control-regex": "off",
    },
  },
  {
    // The starters: a lab's signatures with TODO bodies. They keep the imports, parameters and
    // variables the finished code needs; what it assigns and yields is the learner's to write.
    files: ["labs/*/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": "off",
      "no-unassigned-vars": "off",
      "prefer-const": "off",
      "require-yield": "off",
    },
  },
  {
    // Tests: vitest's asymmetric matchers (expect.stringMatching, expect.any...) are typed `any`
    // by design, so putting one inside an expected object is not an unsafe assignment.
    files: ["**/tests/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: {
      // CommonJS: require() is how these files import.
      "@typescript-eslint/no-require-imports": "off",
      // Off for the kernel: it drives zeromq (loaded from the course root at run time) and tslab's
      // internal modules, which ship no types; they enter as `any` in one place (CourseKernel's
      // JSDoc `deps`), and these rules would flag every use of them rather than a mistake.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
