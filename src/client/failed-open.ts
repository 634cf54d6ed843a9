import { SESSION_PROTOCOL } from "../shared/session-protocol.js";
import type { Explanation } from "./close-info.js";
import type { FetchLike } from "./plain-get.js";
import { getPlainly } from "./plain-get.js";
import { refusal, serverText, withoutSessions } from "./refusal.js";
import type { UpgradeAnswer } from "./upgrade-answer.js";

/** What the client saw of a connection that failed before it opened. */
export interface FailedOpen {
  readonly url: string;
  /** The message of the Error the socket's `error` event carried, if it carried one. */
  readonly error: string | undefined;
  /** The server's answer to the upgrade, when the socket showed it. */
  readonly answer: UpgradeAnswer | undefined;
}

/**
 * Why a connection never opened. A WebSocket shows little of a failed upgrade (a browser's, nothing),
 * so unless the socket showed the server's answer, the client asks the same address with a plain GET
 * (when it has a `fetch`): the Worker answers 426 when the path is a WebSocket route, and refuses a
 * path it does not take (404 no such route, 400 a room name it does not accept) with a status and
 * its reason.
 */
export async function explainFailedOpen(
  { url, error, answer }: FailedOpen,
  fetchFn: FetchLike | undefined,
): Promise<Explanation> {
  if (answer?.accepted === false)
    return refusal("The server refused the upgrade with", answer.status, serverText(answer.contentType, answer.body));
  if (answer?.accepted === true && answer.protocol !== SESSION_PROTOCOL) return withoutSessions(url);
  const failed = error === undefined ? "The upgrade failed" : `The upgrade failed (${error})`;
  if (fetchFn === undefined) return { why: failed, final: false };
  const plain = await getPlainly(url, fetchFn);
  if ("unreachable" in plain) {
    const detail = plain.unreachable === error ? "" : ` (${plain.unreachable})`;
    return { why: `${failed}, and a plain GET of the address got no answer${detail}`, final: false };
  }
  if (plain.status === 426) {
    return {
      why:
        `${failed}, though a plain GET answers 426 (the path is a WebSocket route): the upgrade itself was refused ` +
        "(by `origins`, `authorize`, a limit or a wiring mistake), or the route does not have sessions",
      final: false,
    };
  }
  if (plain.status >= 400)
    return refusal(
      `${failed}; a plain GET of the address answers`,
      plain.status,
      serverText(plain.contentType, plain.body),
    );
  return {
    why: `${failed}; a plain GET of the address answers HTTP ${plain.status}, where a WebSocket route answers 426`,
    final: false,
  };
}
