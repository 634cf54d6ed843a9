/**
 * What handlers observed, for the tests to read: the tests run in the same isolate as the Worker
 * and its room objects, so a module-level map is shared between them.
 */
const reports = new Map<string, unknown[]>();

export function report(key: string | null, value: unknown): void {
  if (key === null) return;
  let list = reports.get(key);
  if (list === undefined) reports.set(key, (list = []));
  list.push(value);
}

export function reported(key: string): unknown[] {
  return reports.get(key) ?? [];
}

/** Describes a thrown value the way the tests compare it. */
export function describeError(error: unknown): { name: string; message: string; code?: number; reason?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  const described: { name: string; message: string; code?: number; reason?: string } = {
    name: error.name,
    message: error.message,
  };
  if ("code" in error && typeof error.code === "number") described.code = error.code;
  if ("reason" in error && typeof error.reason === "string") described.reason = error.reason;
  return described;
}
