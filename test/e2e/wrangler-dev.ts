import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface DevServer {
  readonly origin: string;
  readonly wsOrigin: string;
  /** Everything wrangler printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The folder it runs in (this process's by default); a relative config path is taken from there. */
  cwd?: string;
  /** The port to serve on (a free one by default): a restarted server takes its predecessor's. */
  port?: number;
  /** Where Durable Object storage is kept (a new temporary folder by default, removed on stop). */
  persistTo?: string;
  /**
   * Secrets for the Worker's env, in an env file of their own: a .dev.vars next to the config is then
   * not read, so a developer's own secrets do not reach the tests.
   */
  secrets?: Readonly<Record<string, string>>;
}

/** Starts `wrangler dev` for a config on a loopback port and waits until it serves. */
export async function startWranglerDev(configPath: string, options: DevServerOptions = {}): Promise<DevServer> {
  const [port, inspectorPort] = [options.port ?? (await freePort()), await freePort()];
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "hypern-e2e-"));
  const secretsDir = options.secrets === undefined ? undefined : mkdtempSync(join(tmpdir(), "hypern-secrets-"));
  const envFileArgs = secretsDir === undefined ? [] : ["--env-file", writeEnvFile(secretsDir, options.secrets ?? {})];
  const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--config",
      configPath,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistTo,
      "--log-level",
      "warn",
      ...envFileArgs,
    ],
    // The secrets go in the environment too: for a secret its config declares required, wrangler takes
    // a variable of its environment over the env file's.
    {
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, ...options.secrets, WRANGLER_SEND_METRICS: "false", CI: "1" },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

  const origin = `http://127.0.0.1:${port}`;
  const server: DevServer = {
    origin,
    wsOrigin: `ws://127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        process.kill(-child.pid, "SIGTERM");
        const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (options.persistTo === undefined) rmSync(persistTo, { recursive: true, force: true });
      if (secretsDir !== undefined) rmSync(secretsDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      // Any answer of the Worker's own (a page, or its 404) means it serves.
      if ((await fetch(origin)).status < 500) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await server.stop();
  throw new Error(`wrangler dev did not serve ${origin} within 60 s:\n${output}`);
}

/** Writes `NAME=value` lines into `dir`/.env and returns its path. */
function writeEnvFile(dir: string, secrets: Readonly<Record<string, string>>): string {
  const path = join(dir, ".env");
  writeFileSync(
    path,
    Object.entries(secrets)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(""),
  );
  return path;
}
