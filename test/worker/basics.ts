import { WebSocketDisconnect, WebSocketError, WebSocketRouter } from "../../src/index.js";
import type { ServerWebSocket } from "../../src/index.js";
import { describeError, report } from "./reports.js";

/** Ends the handler quietly when the client leaves, as user handlers do. */
async function untilDisconnect(loop: () => Promise<void>): Promise<void> {
  try {
    for (;;) await loop();
  } catch (error) {
    if (!(error instanceof WebSocketDisconnect)) throw error;
  }
}

const reportKey = (ws: ServerWebSocket): string | null => ws.queryParams.get("report");

export const basics = new WebSocketRouter<Env>()
  .route("/echo", async (ws) => {
    await ws.accept();
    await untilDisconnect(async () => {
      const message = await ws.receive();
      if (message.type === "text") ws.sendText(message.data);
      else ws.sendBytes(message.data);
    });
  })
  .route("/iter/:kind", async (ws) => {
    await ws.accept();
    const key = reportKey(ws);
    const seen: unknown[] = [];
    try {
      if (ws.params.kind === "text") for await (const text of ws.iterText()) seen.push(text);
      else if (ws.params.kind === "json") for await (const value of ws.iterJson()) seen.push(value);
      else if (ws.params.kind === "bytes") for await (const bytes of ws.iterBytes()) seen.push([...bytes]);
      else for await (const message of ws.iter()) seen.push(message.type);
      report(key, { ended: "quietly", seen, closed: ws.closed });
    } catch (error) {
      report(key, { ended: "by throwing", seen, ...describeError(error) });
    }
  })
  .route("/json", async (ws) => {
    await ws.accept();
    await untilDisconnect(async () => {
      try {
        ws.sendJson({ got: await ws.receiveJson() });
      } catch (error) {
        if (!(error instanceof WebSocketError)) throw error;
        ws.sendJson({
          error: error.name,
          message: error.message,
          frame: error.frame,
          cause: describeError(error.cause).name,
        });
      }
    });
  })
  .route("/text-only", async (ws) => {
    await ws.accept();
    await untilDisconnect(async () => {
      try {
        ws.sendText(`text:${await ws.receiveText()}`);
      } catch (error) {
        if (!(error instanceof WebSocketError)) throw error;
        const frame = error.frame;
        ws.sendJson({
          error: error.name,
          frameType: frame?.type,
          frameBytes: frame?.type === "bytes" ? [...frame.data] : null,
        });
      }
    });
  })
  .route("/bytes-only", async (ws) => {
    await ws.accept();
    await untilDisconnect(async () => {
      try {
        const bytes = await ws.receiveBytes();
        ws.sendJson({ length: bytes.byteLength, first: bytes[0] ?? null, isUint8Array: bytes instanceof Uint8Array });
      } catch (error) {
        if (!(error instanceof WebSocketError)) throw error;
        ws.sendJson({ error: error.name, frame: error.frame });
      }
    });
  })
  .route("/info/:name/:rest?", async (ws) => {
    const before = { state: ws.state, isConnected: ws.isConnected };
    const offered = ws.queryParams.get("proto");
    await ws.accept(
      offered === null
        ? { headers: { "X-Accepted": "yes" } }
        : { subprotocol: offered, headers: { "X-Accepted": "yes" } },
    );
    ws.sendJson({
      before,
      after: { state: ws.state, isConnected: ws.isConnected },
      id: ws.id,
      path: ws.path,
      params: ws.params,
      headers: Object.fromEntries(ws.headers),
      query: [...ws.queryParams],
      clientHost: ws.clientHost,
      subprotocol: ws.subprotocol,
      rerun: ws.rerun,
      // The deprecated name, kept for one release.
      resumed: ws.resumed,
      data: ws.data ?? null,
    });
    await untilDisconnect(async () => void (await ws.receive()));
  })
  .route("/subprotocol", async (ws) => {
    try {
      await ws.accept({ subprotocol: "not-offered" });
    } catch (error) {
      report(reportKey(ws), describeError(error));
    }
    await ws.accept({ subprotocol: "chat.v2" });
    ws.sendText(`chose:${ws.subprotocol}`);
    await untilDisconnect(async () => void (await ws.receive()));
  })
  .route("/misuse", async (ws) => {
    const key = reportKey(ws);
    const attempt = async (label: string, action: () => unknown): Promise<void> => {
      try {
        await action();
        report(key, { label, ok: true });
      } catch (error) {
        report(key, { label, ...describeError(error), state: ws.state });
      }
    };
    await attempt("sendText before accept", () => ws.sendText("too early"));
    await attempt("sendJson before accept", () => ws.sendJson({ too: "early" }));
    await attempt("receive before accept", () => ws.receive());
    await ws.accept();
    await attempt("second accept", () => ws.accept());
    await attempt("sendText non-string", () => ws.sendText(42 as unknown as string));
    await attempt("sendJson undefined", () => ws.sendJson(undefined));
    await attempt("receive bad timeout", () => ws.receive({ timeout: -1 }));
    ws.sendText("ready");
    ws.close(4000, "done");
    await attempt("close again", () => ws.close(4001, "ignored"));
    await attempt("sendText after close", () => ws.sendText("too late"));
    await attempt("receive after close", () => ws.receive());
    await attempt("receiveText after close", () => ws.receiveText());
    await attempt("accept after close", () => ws.accept());
    report(key, { label: "end", state: ws.state, isConnected: ws.isConnected });
  })
  .route("/close-args", async (ws) => {
    const key = reportKey(ws);
    await ws.accept();
    const cases: [number, string][] = [
      [999, ""],
      [1004, ""],
      [1005, ""],
      [1006, ""],
      [1015, ""],
      [2000, ""],
      [2999, ""],
      [5000, ""],
      [1000.5, ""],
      [1000, "x".repeat(124)],
      [1000, "é".repeat(62)],
    ];
    for (const [code, reason] of cases) {
      try {
        ws.close(code, reason);
        report(key, { code, bytes: new TextEncoder().encode(reason).byteLength, ok: true });
      } catch (error) {
        report(key, { code, bytes: new TextEncoder().encode(reason).byteLength, ...describeError(error) });
      }
    }
    report(key, { state: ws.state });
    ws.close(4001, "é".repeat(61));
  })
  .route("/refuse", (ws) => ws.close())
  .route("/return-early", () => undefined)
  .route("/throw-early", () => {
    throw new Error("boom before accept");
  })
  .route("/throw", async (ws) => {
    await ws.accept();
    const text = await ws.receiveText();
    throw new Error(`boom after ${text}`);
  })
  .route("/return", async (ws) => {
    await ws.accept();
    ws.sendText(`bye:${await ws.receiveText()}`);
  })
  .route("/timeout", async (ws) => {
    const key = reportKey(ws);
    await ws.accept();
    try {
      await ws.receiveText({ timeout: 50 });
    } catch (error) {
      report(key, { ...describeError(error), state: ws.state });
    }
    ws.sendText("timed out");
    ws.sendText(`late:${await ws.receiveText({ timeout: 5_000 })}`);
    await untilDisconnect(async () => void (await ws.receive()));
  })
  .route("/abort", async (ws) => {
    const key = reportKey(ws);
    await ws.accept();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by test")), 50);
    try {
      await ws.receiveText({ signal: controller.signal });
    } catch (error) {
      report(key, describeError(error));
    }
    try {
      await ws.receiveText({ signal: controller.signal });
    } catch (error) {
      report(key, { already: true, ...describeError(error) });
    }
    ws.sendText("aborted");
    ws.sendText(`late:${await ws.receiveText()}`);
    await untilDisconnect(async () => void (await ws.receive()));
  })
  .route("/wait-close", async (ws) => {
    const key = reportKey(ws);
    await ws.accept();
    ws.sendText("waiting");
    const messages: string[] = [];
    try {
      for (;;) messages.push(await ws.receiveText());
    } catch (error) {
      report(key, { messages, ...describeError(error), state: ws.state, isConnected: ws.isConnected });
    }
    try {
      ws.sendText("after the client left");
    } catch (error) {
      report(key, { send: describeError(error) });
    }
    try {
      await ws.receive();
    } catch (error) {
      report(key, { again: describeError(error) });
    }
  })
  .route("/never-reads", async (ws) => {
    await ws.accept();
    ws.sendText("not reading");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  });
