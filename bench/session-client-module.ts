import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

type ClientModule = typeof import("../src/client/index.js");

const benchDir = dirname(fileURLToPath(import.meta.url));
let loaded: Promise<ClientModule> | undefined;

/**
 * The session client (`hypern-workers/client`, src/client) for the load generator. Node strips the
 * sources' types but does not map their `.js` imports to the `.ts` files, so it is bundled first with
 * esbuild (as a browser page gets it), once per process.
 */
export function sessionClientModule(): Promise<ClientModule> {
  return (loaded ??= (async () => {
    const { outputFiles } = await build({
      entryPoints: [join(benchDir, "..", "src", "client", "index.ts")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      write: false,
      logLevel: "warning",
    });
    const file = join(mkdtempSync(join(tmpdir(), "hypern-bench-client-")), "client.mjs");
    writeFileSync(file, outputFiles[0]?.text ?? "");
    return (await import(pathToFileURL(file).href)) as ClientModule;
  })());
}
