import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The published shape, not the repository's: `npm pack` the library, install the tarball into a copy
 * of a minimal user project (test/consumer/project), and type-check, bundle and test it there.
 */
const repository = fileURLToPath(new URL("../..", import.meta.url));
const template = fileURLToPath(new URL("./project", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "hypern-consumer-"));
const project = join(work, "project");

/** Runs a command to completion; fails the test with everything it printed. */
function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.status ?? result.signal}) in ${cwd}:\n${output}`);
  return output;
}

/** A tool of the consumer project, run with this Node (22, which wrangler needs). */
function tool(script: string, args: readonly string[]): string {
  return run(process.execPath, [join(project, "node_modules", script), ...args], project);
}

beforeAll(() => {
  run("npm", ["pack", "--pack-destination", work, "--silent"], repository);
  const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`);

  cpSync(template, project, { recursive: true, filter: (source) => !source.includes("node_modules") });
  const ours = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  manifest.dependencies["hypern-workers"] = `file:${join(work, tarball)}`;
  for (const name of Object.keys(manifest.devDependencies)) {
    const version = ours.devDependencies[name];
    if (version === undefined) throw new Error(`The repository has no devDependency ${name} to pin the consumer's to`);
    manifest.devDependencies[name] = version;
  }
  writeFileSync(join(project, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project);
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("a new Worker project that installs the packed tarball", () => {
  it("gets built JavaScript and declarations only: no TypeScript sources", () => {
    const installed = join(project, "node_modules", "hypern-workers");
    const files = listFiles(installed);
    expect(files).toContain("dist/src/index.js");
    expect(files).toContain("dist/src/index.d.ts");
    expect(files).toContain("dist/src/testing/index.js");
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
    expect(files).toContain("LICENSE");
  });

  // The tsconfig a new Workers project gets, and the variations users make of it. Without skipLibCheck,
  // every declaration file is checked, ours included: the main entry with the Workers types alone
  // (the test helpers' own types need a newer lib), the testing entry with a lib they accept.
  const variants: Record<string, { compilerOptions: Record<string, unknown>; include?: string[] }> = {
    "es2021, @cloudflare/workers-types and the vitest plugin's types, skipLibCheck": { compilerOptions: {} },
    "es2021, without skipLibCheck, erasableSyntaxOnly (the app)": {
      compilerOptions: { skipLibCheck: false, erasableSyntaxOnly: true, types: ["@cloudflare/workers-types"] },
      include: ["src", "worker-configuration.d.ts"],
    },
    "esnext, without skipLibCheck (the app and its tests)": {
      compilerOptions: { target: "esnext", lib: ["esnext"], skipLibCheck: false },
    },
  };
  for (const [name, variant] of Object.entries(variants)) {
    it(`type-checks with tsc: ${name}`, () => {
      const file = `tsconfig.${name.replace(/\W+/g, "-")}.json`;
      writeFileSync(join(project, file), JSON.stringify({ extends: "./tsconfig.json", ...variant }));
      tool("typescript/bin/tsc", ["--noEmit", "-p", file]);
    });
  }

  it("type-checks with the runtime types `wrangler types` generates, without skipLibCheck", () => {
    mkdirSync(join(project, "runtime"));
    tool("wrangler/bin/wrangler.js", ["types", "runtime/worker-configuration.d.ts"]);
    writeFileSync(
      join(project, "tsconfig.runtime.json"),
      JSON.stringify({
        extends: "./tsconfig.json",
        compilerOptions: { types: [], skipLibCheck: false },
        include: ["src", "runtime/worker-configuration.d.ts"],
      }),
    );
    tool("typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.runtime.json"]);
  });

  it("imports hypern-workers/client in plain Node, where the Workers entry cannot be", () => {
    const script =
      "import('hypern-workers/client').then((client) => console.log(typeof client.SessionClient, typeof " +
      "client.reconnectDelay))";
    expect(run(process.execPath, ["--input-type=module", "-e", script], project).trim()).toBe("function function");
  });

  it("bundles for deployment with wrangler deploy --dry-run", () => {
    const out = join(work, "bundle");
    tool("wrangler/bin/wrangler.js", ["deploy", "--dry-run", "--outdir", out]);
    expect(statSync(join(out, "index.js")).size).toBeGreaterThan(0);
  });

  it("bundles an app on hypern-workers/core with the features it adds, and not the others", () => {
    const out = join(work, "small");
    tool("wrangler/bin/wrangler.js", ["deploy", "--dry-run", "--outdir", out, "src/small.ts"]);
    const small = readFileSync(join(out, "small.js"), "utf8");
    const full = readFileSync(join(work, "bundle", "index.js"), "utf8");
    // Class names survive an unminified bundle (`var Name = class`): each feature's own classes show whether it came.
    const classes = (bundle: string): string[] =>
      [...bundle.matchAll(/\bvar (\w+) = class\b/g)].map((match) => match[1]!);
    const [fullClasses, smallClasses] = [classes(full), classes(small)];
    expect(fullClasses).toEqual(expect.arrayContaining(["RoomHistory", "HeldSessions", "ShardRooms", "Sequencer"]));
    expect(smallClasses).toContain("RoomHistory");
    for (const name of ["HeldSessions", "SessionTraffic", "ShardRooms", "Sequencer"])
      expect(smallClasses).not.toContain(name);
    expect(small.length).toBeLessThan(full.length * 0.75);
  });

  it(
    "runs its own tests with @cloudflare/vitest-plugin and hypern-workers/testing: echo, broadcast with " +
      "exclude, a hibernation, a push, a session client's drop",
    () => {
      const output = tool("vitest/vitest.mjs", ["run", "--reporter=verbose"]);
      expect(output).toMatch(/✓ .*echoes/);
      expect(output).toMatch(
        /✓ .*broadcasts to everyone but the sender, and keeps the room through a forced hibernation/,
      );
      expect(output).toMatch(/✓ .*pushes into a room from plain Worker code/);
      expect(output).toMatch(/✓ .*resumes a session client dropped mid-conversation: every message once, in order/);
      expect(output).toMatch(/Tests\s+4 passed \(4\)/);
    },
  );
});

function listFiles(folder: string, prefix = ""): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}
