/** What a WebSocket close code means, in words (RFC 6455 §7.4.1 and the IANA registry). */
const CLOSE_CODE_WORDS: Readonly<Record<number, string>> = {
  1000: "normal closure",
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1005: "no status code",
  1006: "abnormal closure, no close frame",
  1007: "invalid message data",
  1008: "policy violation",
  1009: "message too big",
  1010: "missing extension",
  1011: "server error",
  1012: "service restart",
  1013: "try again later",
  1014: "bad gateway",
  1015: "TLS handshake failed",
  3008: "timeout",
};

export function closeCodeWords(code: number): string {
  const known = CLOSE_CODE_WORDS[code];
  if (known !== undefined) return known;
  if (code >= 3000 && code <= 3999) return "library or framework code";
  if (code >= 4000 && code <= 4999) return "application code";
  return "unknown code";
}

/** "1012 service restart (“room restarted”)", or without the parentheses when there is no reason. */
export function describeClose(code: number, reason: string): string {
  const words = `${code} ${closeCodeWords(code)}`;
  return reason === "" ? words : `${words} (“${reason}”)`;
}
