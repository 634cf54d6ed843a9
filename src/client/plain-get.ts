/** What the client needs of `fetch` (the global one, in browsers and Node 18+), for the plain GET. */
export type FetchLike = (
  url: string,
  init: { readonly cache: "no-store"; readonly signal: AbortSignal },
) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** The answer to a plain GET, or why there was none (the network's error). */
export type PlainAnswer =
  | { readonly status: number; readonly contentType: string | null; readonly body: string }
  | { readonly unreachable: string };

/** A server that takes longer than this to answer counts as unreachable. */
const ANSWER_WAIT_MS = 5_000;

/** The http(s) address of a ws(s) one, path and query kept. */
export function httpAddressOf(wsAddress: string): string {
  const url = new URL(wsAddress);
  if (url.protocol === "ws:") url.protocol = "http:";
  else if (url.protocol === "wss:") url.protocol = "https:";
  return url.href;
}

/** Asks the WebSocket's address with a plain GET, no upgrade. */
export async function getPlainly(wsAddress: string, fetchFn: FetchLike): Promise<PlainAnswer> {
  try {
    const response = await fetchFn(httpAddressOf(wsAddress), {
      cache: "no-store",
      signal: AbortSignal.timeout(ANSWER_WAIT_MS),
    });
    const body = await response.text().catch(() => "");
    return { status: response.status, contentType: response.headers.get("content-type"), body };
  } catch (error) {
    return { unreachable: networkError(error) };
  }
}

/** Node's fetch says only "fetch failed"; its cause says what failed ("connect ECONNREFUSED 127.0.0.1:8787"). */
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}
