import { WebSocketRouter } from "../../src/index.js";
import type { ServerWebSocket } from "../../src/index.js";
import { describeError, report } from "./reports.js";

/** One call a script makes on its connection. */
export type ScriptOp =
  | { op: "accept" }
  | { op: "sendText" | "sendBytes" | "sendJson" }
  | { op: "receive"; kind: "any" | "text" | "bytes" | "json" }
  | { op: "close"; code: number; reason: string }
  | { op: "setData"; size: number };

/** How long a scripted receive waits: frames the client sent arrive well within it on loopback. */
export const SCRIPT_RECEIVE_TIMEOUT_MS = 300;

/**
 * Runs the calls given in `?ops=` (JSON) on its connection, one after the other, and reports each
 * one's outcome and the state after it: the property tests compare that with a model.
 */
export const script = new WebSocketRouter<Env>().route("/script", async (ws) => {
  const key = ws.queryParams.get("report");
  const ops = JSON.parse(ws.queryParams.get("ops") ?? "[]") as ScriptOp[];
  for (const [index, op] of ops.entries()) {
    try {
      await perform(ws, op, index);
      report(key, { outcome: "ok", state: ws.state });
    } catch (error) {
      report(key, { outcome: describeError(error).name, state: ws.state });
    }
  }
  report(key, { done: true });
});

async function perform(ws: ServerWebSocket, op: ScriptOp, index: number): Promise<void> {
  const timeout = SCRIPT_RECEIVE_TIMEOUT_MS;
  switch (op.op) {
    case "accept":
      return ws.accept();
    case "sendText":
      return ws.sendText(`text ${index}`);
    case "sendBytes":
      return ws.sendBytes(new Uint8Array([index]));
    case "sendJson":
      return ws.sendJson({ index });
    case "receive":
      if (op.kind === "any") await ws.receive({ timeout });
      else if (op.kind === "text") await ws.receiveText({ timeout });
      else if (op.kind === "bytes") await ws.receiveBytes({ timeout });
      else await ws.receiveJson({ timeout });
      return;
    case "close":
      return ws.close(op.code, op.reason);
    case "setData":
      return ws.setData("x".repeat(op.size));
  }
}
