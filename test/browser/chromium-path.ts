import { existsSync } from "node:fs";

/** Debian's chromium package (`apt-get install chromium`). */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export interface FoundChromium {
  readonly path: string;
  /** Where the path came from, for error messages. */
  readonly source: string;
}

/** Where findChromium looks; the tests of the order pass their own. */
export interface ChromiumSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly exists: (path: string) => boolean;
  /** Unpacks the Chromium that the npm package @sparticuz/chromium ships, and returns its path. */
  readonly unpackNpmChromium: () => Promise<string>;
}

const MACHINE: ChromiumSources = { env: process.env, exists: existsSync, unpackNpmChromium };

/**
 * The Chromium the browser tests drive: the one `CHROMIUM_PATH` names if it is set, else Debian's,
 * else the one in the npm package @sparticuz/chromium (a dev dependency, so `npm install` is enough).
 */
export async function findChromium(sources: ChromiumSources = MACHINE): Promise<FoundChromium> {
  const configured = sources.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== "") {
    if (!sources.exists(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist.`);
    return { path: configured, source: "CHROMIUM_PATH" };
  }
  if (sources.exists(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: "Debian's chromium package" };
  try {
    return { path: await sources.unpackNpmChromium(), source: "the npm package @sparticuz/chromium" };
  } catch (error) {
    throw new Error(
      `No Chromium for the browser tests: CHROMIUM_PATH is not set, there is no ${DEBIAN_CHROMIUM}, and the npm ` +
        `package @sparticuz/chromium (a dev dependency: run npm install) gave none: ${String(error)}`,
      { cause: error },
    );
  }
}

/** Decompresses the package's Chromium into the temporary directory once; later calls reuse it. */
async function unpackNpmChromium(): Promise<string> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`it ships Chromium for Linux x64 only, not ${process.platform} ${process.arch}; set CHROMIUM_PATH`);
  }
  const { default: npmChromium } = await import("@sparticuz/chromium");
  return npmChromium.executablePath();
}
