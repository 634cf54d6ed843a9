import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Implementation } from "../clients.ts";
import { bundleWorker } from "../server.ts";

const bundleDir = join(dirname(fileURLToPath(import.meta.url)), "..", "bundle");

/**
 * The JavaScript a build would upload, as is and gzipped (node:zlib's default level): Workers' size limits are on the
 * compressed size.
 */
function measure(outdir: string): { bytes: number; gzipBytes: number } {
  const modules = readdirSync(outdir)
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(join(outdir, name)));
  return {
    bytes: modules.reduce((sum, code) => sum + code.length, 0),
    gzipBytes: modules.reduce((sum, code) => sum + gzipSync(code).length, 0),
  };
}

const repoDir = join(bundleDir, "..", "..");

/**
 * Our app as a user's would be: importing the package as `npm pack` ships it (dist/, from `npm run
 * build`), not this repository's sources, whose comments the package leaves out.
 */
function oursFromPackage(): string {
  execFileSync("npm", ["run", "build"], { cwd: repoDir, stdio: "ignore" });
  const entry = join(mkdtempSync(join(tmpdir(), "hypern-bundle-")), "ours.ts");
  const source = readFileSync(join(bundleDir, "ours.ts"), "utf8");
  const fromPackage = source.replace('"../../src/core.js"', JSON.stringify(join(repoDir, "dist", "src", "core.js")));
  if (fromPackage === source)
    throw new Error("bench/bundle/ours.ts no longer imports ../../src/core.js: update oursFromPackage");
  writeFileSync(entry, fromPackage);
  return entry;
}

/**
 * The same minimal echo app (bench/bundle/), written with the implementation, bundled by
 * `wrangler deploy --dry-run` as it would be deployed, then again with `--minify`.
 */
export function bundleSize(implementation: Implementation) {
  const config = join(bundleDir, "wrangler.toml");
  const entry = implementation === "ours" ? oursFromPackage() : join(bundleDir, `${implementation}.ts`);
  const plain = measure(bundleWorker(config, [entry]));
  const minified = measure(bundleWorker(config, [entry, "--minify"]));
  return {
    bytes: plain.bytes,
    gzipBytes: plain.gzipBytes,
    minifiedBytes: minified.bytes,
    minifiedGzipBytes: minified.gzipBytes,
  };
}
