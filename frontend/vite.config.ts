/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Django serves frontend/dist as static files under /static/ (whitenoise) and index.html at /.
export default defineConfig({
  base: "/static/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 250,
    rollupOptions: {
      output: {
        // Vendor code in stable chunks so an app change does not re-download React or sigma.
        manualChunks(id: string) {
          if (!id.includes("node_modules")) return undefined;
          if (/node_modules\/(sigma|@sigma|graphology[^/]*|events|mnemonist|obliterator|@yomguithereal)\//.test(id)) return "sigma";
          // realtime-js alone serves NEXUS's own endpoint; the rest of supabase-js only for Supabase.
          if (id.includes("@supabase/realtime-js") || id.includes("@supabase/phoenix")) return "realtime";
          if (id.includes("@supabase")) return "supabase";
          if (id.includes("react") || id.includes("scheduler")) return "react";
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/realtime": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
