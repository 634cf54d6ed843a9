/**
 * Who may open a connection, decided in the Worker before any room object is touched, and what the
 * connection then carries into its room object.
 */

/** Origins allowed to open connections: exact origins (`"https://app.example"`), or a predicate. */
export type OriginPolicy = readonly string[] | ((origin: string) => boolean);

/** What `authorize` sees of the upgrade. */
export interface AuthorizeRequest<Env = unknown> {
  readonly request: Request;
  readonly env: Env;
  /** The matched route's pattern and its decoded params. */
  readonly route: string;
  readonly params: Readonly<Record<string, string | undefined>>;
}

/**
 * Admits or refuses an upgrade. Return a Response to refuse with it (say 401); return anything else
 * to admit: a value other than undefined becomes the connection's initial `ws.data` (it must be
 * JSON-serializable and fit `limits.maxDataBytes`).
 */
export type Authorize<Env = unknown> = (request: AuthorizeRequest<Env>) => unknown;

/** A browser's cross-site upgrade carries its page's Origin; clients that are not browsers send none. */
export function isAllowedOrigin(policy: OriginPolicy | undefined, origin: string | null): boolean {
  if (policy === undefined || origin === null) return true;
  return typeof policy === "function" ? policy(origin) : policy.includes(origin);
}
