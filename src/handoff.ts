/**
 * The Worker tells the room object which route an upgrade matched, in a request header. Clients must
 * never be able to set it, so every header with the library's prefix is stripped from their requests.
 */
const INTERNAL_PREFIX = "x-hypern-";
const HANDOFF_HEADER = `${INTERNAL_PREFIX}handoff`;

export interface Handoff {
  /** The matched route's pattern. */
  readonly route: string;
  /** Its params, percent-decoded. */
  readonly params: Readonly<Record<string, string | undefined>>;
}

/** The client's request, cleaned of internal headers, carrying the Worker's handoff. */
export function withHandoff(request: Request, handoff: Handoff): Request {
  const headers = new Headers(request.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith(INTERNAL_PREFIX)) headers.delete(name);
  }
  // Header values must be ASCII; params may not be.
  headers.set(HANDOFF_HEADER, encodeURIComponent(JSON.stringify(handoff)));
  return new Request(request, { headers });
}

/** The handoff the Worker attached, or null when the request did not come through the app's Worker. */
export function readHandoff(request: Request): Handoff | null {
  const header = request.headers.get(HANDOFF_HEADER);
  if (header === null) return null;
  try {
    const handoff = JSON.parse(decodeURIComponent(header)) as Partial<Handoff>;
    if (typeof handoff.route !== "string" || typeof handoff.params !== "object" || handoff.params === null) return null;
    return handoff as Handoff;
  } catch {
    return null;
  }
}

/** The request's headers as the handler may see them: lower-case names, no internal headers. */
export function clientHeaders(headers: Headers): [string, string][] {
  return [...headers].filter(([name]) => !name.startsWith(INTERNAL_PREFIX));
}
