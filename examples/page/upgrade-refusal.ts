/**
 * A browser cannot see the HTTP status of a failed WebSocket upgrade: the socket just closes with
 * 1006. So when a connection closes without ever having opened, the page asks the server about the
 * same address with a plain GET. The Worker answers that with 426 (Upgrade Required) when the path
 * is fine, and with a 4xx and the reason as text when it refuses the path itself (malformed
 * percent-encoding, a room name it does not accept): retrying such a path cannot help.
 */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
}

/** 4xx statuses that mean "not now" rather than "not this": the page keeps retrying after them. */
const TRY_AGAIN_STATUSES: ReadonlySet<number> = new Set([408, 425, 426, 429]);

/** The longest reason shown: a server's text, not a page of it. */
const LONGEST_REASON = 300;

/** The server's answer to the plain GET as a refusal for good, or undefined when retrying can help. */
export function refusalFrom(status: number, contentType: string | null, body: string): Refusal | undefined {
  if (status < 400 || status >= 500 || TRY_AGAIN_STATUSES.has(status)) return undefined;
  const text = contentType?.toLowerCase().startsWith("text/plain") ? body.trim() : "";
  const reason = text.length > LONGEST_REASON ? `${text.slice(0, LONGEST_REASON - 1)}…` : text;
  return { status, reason: reason === "" ? "no reason given" : reason };
}

/** The http(s) address of a ws(s) one, path and query kept. */
export function httpAddressOf(wsAddress: string): string {
  const url = new URL(wsAddress);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.href;
}

/**
 * Asks the server whether it refuses this address for good. A network error is an answer too:
 * the server may be restarting, so the page keeps retrying.
 */
export async function askWhyRefused(wsAddress: string, fetchFn: typeof fetch = fetch): Promise<Refusal | undefined> {
  let response: Response;
  try {
    response = await fetchFn(httpAddressOf(wsAddress), { cache: "no-store" });
  } catch {
    return undefined;
  }
  const body = await response.text().catch(() => "");
  return refusalFrom(response.status, response.headers.get("content-type"), body);
}
