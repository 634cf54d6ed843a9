import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Inside workerd, against test/worker: the library, its room objects and real hibernation.
        // The chaos matrix runs a few schedules here; `npm run test:chaos` many more (CHAOS_RUNS, CHAOS_SEED).
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./test/worker/wrangler.toml" },
            miniflare: {
              bindings: {
                CHAOS_RUNS: Number(process.env.CHAOS_RUNS ?? 2),
                CHAOS_SEED: Number(process.env.CHAOS_SEED ?? 20261202),
              },
            },
          }),
        ],
        // A test's own waits (the testing kit's 4 s, eventually()'s 5 s) say what did not come; the test's
        // timeout is for a hang. On a loaded 2-core machine a sound test can take longer than vitest's 5 s.
        test: { name: "workerd", include: ["test/workerd/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        // In Node: the layout's rules (test/layout/layering.ts) catch what they forbid.
        test: { name: "layout", include: ["test/layout/**/*.test.ts"], environment: "node" },
      },
      {
        // In Node: every TypeScript block of README.md, CONTRIBUTING.md and docs/ compiles against the package (one
        // type check); the docs' links hold.
        test: { name: "docs", include: ["test/docs/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
      },
      {
        // In Node: the session client's own logic (hypern-workers/client), without a server.
        test: { name: "client", include: ["test/client/**/*.test.ts"], environment: "node" },
      },
      {
        // In Node: `wrangler dev` of the demo app, driven by real clients.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        // In Node: the demo's chat page, its logic alone and the page in headless Chromium against `wrangler dev`.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        // In Node: the packed tarball installed into a separate Worker project (test/consumer/project).
        test: {
          name: "consumer",
          include: ["test/consumer/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
      {
        // `npm run test:load` only: wrangler dev under many connections (sizes from LOAD_* variables).
        test: { name: "load", include: ["test/load/**/*.test.ts"], environment: "node", hookTimeout: 120_000 },
      },
    ],
  },
});
