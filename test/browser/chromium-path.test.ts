import { describe, expect, it } from "vitest";
import type { ChromiumSources } from "./chromium-path.js";
import { DEBIAN_CHROMIUM, findChromium } from "./chromium-path.js";

const NPM_CHROMIUM = "/tmp/chromium";

function machine(options: {
  env?: Record<string, string>;
  files?: string[];
  npm?: "works" | "fails";
}): ChromiumSources {
  const files = new Set(options.files ?? []);
  return {
    env: options.env ?? {},
    exists: (path) => files.has(path),
    unpackNpmChromium: () =>
      options.npm === "fails" ? Promise.reject(new Error("no space left on device")) : Promise.resolve(NPM_CHROMIUM),
  };
}

describe("which Chromium the browser tests use", () => {
  it("takes CHROMIUM_PATH first, even where Debian's is installed", async () => {
    const found = await findChromium(
      machine({ env: { CHROMIUM_PATH: "/opt/chrome/chrome" }, files: ["/opt/chrome/chrome", DEBIAN_CHROMIUM] }),
    );
    expect(found).toEqual({ path: "/opt/chrome/chrome", source: "CHROMIUM_PATH" });
  });

  it("refuses a CHROMIUM_PATH that names nothing, rather than quietly using another", async () => {
    await expect(
      findChromium(machine({ env: { CHROMIUM_PATH: "/nowhere/chrome" }, files: [DEBIAN_CHROMIUM] })),
    ).rejects.toThrow("CHROMIUM_PATH is set to /nowhere/chrome, which does not exist.");
  });

  it("takes Debian's next, then the npm package's", async () => {
    expect((await findChromium(machine({ files: [DEBIAN_CHROMIUM] }))).path).toBe(DEBIAN_CHROMIUM);
    expect((await findChromium(machine({ env: { CHROMIUM_PATH: "" } }))).path).toBe(NPM_CHROMIUM);
    expect((await findChromium(machine({}))).source).toBe("the npm package @sparticuz/chromium");
  });

  it("says where it looked when none is there", async () => {
    const failure = findChromium(machine({ npm: "fails" }));
    await expect(failure).rejects.toThrow(
      /CHROMIUM_PATH is not set, there is no \/usr\/bin\/chromium, .*@sparticuz\/chromium.*no space left on device/,
    );
  });
});
