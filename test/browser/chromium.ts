import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";

/** Debian's chromium package; playwright-core drives it, it never downloads a browser of its own. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Headless Chromium with a fresh temporary profile (Playwright makes one per launch). The flags keep
 * it from calling home: on a machine without a network it would otherwise retry without end.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}. Install Debian's package: ` +
        "apt-get update && apt-get install -y --no-install-recommends chromium (.ci/run does this).",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
