// ESLint for PulseView: the recommended JavaScript and TypeScript rules and React's recommended
// hooks rules, the React Compiler's checks among them (set-state-in-effect, refs, purity, …).
// Warnings fail the run as errors do (npm test runs eslint with --max-warnings 0).
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // schema.d.ts is written by `make api-types` (openapi-typescript), not by hand.
  { ignores: ["dist", "node_modules", "src/api/schema.d.ts"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    rules: {
      "react-hooks/exhaustive-deps": "error",
    },
    languageOptions: { globals: { ...globals.browser } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    files: ["scripts/**/*.mjs", "*.config.{js,ts}"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
);
