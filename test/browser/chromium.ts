import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";
import { findChromium } from "./chromium-path.js";

/**
 * Keep Chromium from calling home: on a machine without a network it would otherwise retry without
 * end. These are all it needs, Debian's build and @sparticuz/chromium's alike; that package's own
 * `args` are for AWS Lambda (one process, web security off) and would change what the page may do.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Headless Chromium with a fresh temporary profile (Playwright makes one per launch). playwright-core
 * drives it; it never downloads a browser of its own.
 */
export async function launchChromium(): Promise<Browser> {
  const found = await findChromium();
  try {
    return await chromium.launch({ executablePath: found.path, headless: true, args: FLAGS });
  } catch (error) {
    const leftover = found.source.includes("@sparticuz")
      ? ` If ${found.path} is left from an interrupted unpacking or from another version of the package, delete it ` +
        `and run again.`
      : "";
    throw new Error(`Chromium from ${found.source} (${found.path}) did not start.${leftover}\n${String(error)}`, {
      cause: error,
    });
  }
}
