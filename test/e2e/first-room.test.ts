import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addRoute } from "./add-route.js";
import type { ProjectCopy } from "./project-copy.js";
import { copyProject } from "./project-copy.js";
import type { WalkthroughStep } from "./walkthrough.js";
import { markdownSection, walkthroughSteps } from "./walkthrough.js";
import type { DevServer } from "./wrangler-dev.js";
import { startWranglerDev } from "./wrangler-dev.js";
import { Client, upgradeStatus } from "./ws-client.js";

const GUIDE = readFileSync(new URL("../../docs/handlers.md", import.meta.url), "utf8");
const steps = walkthroughSteps(markdownSection(GUIDE, "Write your first room"));

let project: ProjectCopy;
let server: DevServer;

beforeAll(async () => {
  project = copyProject();
  server = await startWranglerDev("wrangler.toml", { cwd: project.dir });
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

describe("docs/handlers.md's “Write your first room”, followed against one running wrangler dev", () => {
  it("serves the new room after its file and route are saved, and both people see the total go up", async () => {
    const created = steps.filter((step) => step.action === "create");
    const route = onlyStep("route");
    const url = new URL(new URL(tryItUrl(onlyStep("try"))).pathname, server.wsOrigin).href;
    expect(created.length).toBeGreaterThan(0);
    expect(await upgradeStatus(url)).toBe(404);

    for (const step of created) writeFileSync(projectPath(step), step.code);
    const worker = projectPath(route);
    writeFileSync(worker, addRoute(readFileSync(worker, "utf8"), route.code));
    await untilUpgraded(url, 30_000);

    const alice = await Client.open(url);
    expect(await alice.nextJson()).toEqual({ count: 0 });
    const bob = await Client.open(url);
    expect(await bob.nextJson()).toEqual({ count: 0 });

    alice.send("click");
    for (const person of [alice, bob]) expect(await person.nextJson()).toEqual({ count: 1 });
    bob.send("click");
    for (const person of [alice, bob]) expect(await person.nextJson()).toEqual({ count: 2 });
    for (let click = 0; click < 3; click++) for (const person of [alice, bob]) person.send("click");
    for (const person of [alice, bob]) {
      const seen = [];
      for (let count = 3; count <= 8; count++) seen.push(await person.nextJson());
      expect(seen).toEqual([3, 4, 5, 6, 7, 8].map((count) => ({ count })));
    }
    for (const person of [alice, bob]) person.close(1000);
  });
});

function onlyStep(action: string): WalkthroughStep {
  const found = steps.filter((step) => step.action === action);
  if (found.length !== 1) throw new Error(`The walk-through should have one "${action}" step, not ${found.length}`);
  return found[0] as WalkthroughStep;
}

function projectPath(step: WalkthroughStep): string {
  if (step.target === undefined) throw new Error(`The walk-through's "${step.action}" step names no file`);
  return join(project.dir, step.target);
}

/** The WebSocket address the walk-through's try-it command connects to. */
function tryItUrl(step: WalkthroughStep): string {
  const url = /ws:\/\/[^\s"'`]+/.exec(step.code)?.[0];
  if (url === undefined) throw new Error(`The walk-through's try-it step has no ws:// address:\n${step.code}`);
  return url;
}

/** Waits for wrangler dev's reload: the route answers 404 until then. */
async function untilUpgraded(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await upgradeStatus(url).catch((error: unknown) => error);
    if (last === 101) return;
    if (last !== 404 && typeof last === "number") throw new Error(`The upgrade to ${url} got ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `wrangler dev did not serve ${url} within ${timeoutMs} ms (last: ${String(last)}):\n${server.output()}`,
  );
}
