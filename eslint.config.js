// One lint config for the repo: type-checked typescript-eslint; floating promises are errors because
// callback/promise bridges (Haraka hooks) are where lost mail hides.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", ".next", "server/db/generated", "data", "mta/plugins/**/*.cjs", "next-env.d.ts", "playwright-report", "test-results"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Domain code knows nothing of Next, tRPC or Haraka (STYLE.md habit 4).
    files: ["server/**/*.ts"],
    ignores: ["server/trpc/**", "server/auth/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["next", "next/*", "@trpc/*", "Haraka", "haraka-*"], message: "domain code stays transport-free" }] },
      ],
    },
  },
  { files: ["**/*.js", "**/*.cjs", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
);
