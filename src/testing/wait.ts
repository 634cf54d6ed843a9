export interface WaitOptions {
  /** Milliseconds to wait before failing. Default 4000. */
  timeout?: number;
}

/** Under vitest's default test timeout (5 s), so that a wait that fails says what it waited for. */
export const DEFAULT_TIMEOUT_MS = 4_000;
