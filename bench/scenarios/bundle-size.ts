import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Implementation } from "../clients.ts";
import { bundleWorker } from "../server.ts";

const bundleDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bundle");

/** The JavaScript a build would upload, as is and gzipped (node:zlib's default level): Workers' size limits are on the compressed size. */
function measure(outdir: string): { bytes: number; gzipBytes: number } {
  const modules = readdirSync(outdir).filter((name) => name.endsWith(".js")).map((name) => readFileSync(join(outdir, name)));
  return {
    bytes: modules.reduce((sum, code) => sum + code.length, 0),
    gzipBytes: modules.reduce((sum, code) => sum + gzipSync(code).length, 0),
  };
}

/**
 * The same minimal echo app (bench/bundle/), written with the implementation, bundled by
 * `wrangler deploy --dry-run` as it would be deployed, then again with `--minify`.
 */
export function bundleSize(implementation: Implementation) {
  const config = join(bundleDir, "wrangler.toml");
  const entry = join(bundleDir, `${implementation}.ts`);
  const plain = measure(bundleWorker(config, [entry]));
  const minified = measure(bundleWorker(config, [entry, "--minify"]));
  return { bytes: plain.bytes, gzipBytes: plain.gzipBytes, minifiedBytes: minified.bytes, minifiedGzipBytes: minified.gzipBytes };
}
