import { WebSocketError } from "./errors.js";
import type { Frame } from "./frames.js";
import { toMessage } from "./frames.js";

/** What `receiveText()`, `receiveBytes()` and `receiveJson()` make of a frame, or the error that says why not. */

export function expectText(frame: Frame): string {
  if (typeof frame !== "string") {
    throw new WebSocketError("Expected a text message, got a binary one", { frame: toMessage(frame) });
  }
  return frame;
}

export function expectBytes(frame: Frame): Uint8Array {
  if (typeof frame === "string") {
    throw new WebSocketError("Expected a binary message, got a text one", { frame: toMessage(frame) });
  }
  return new Uint8Array(frame);
}

export function parseJson(frame: Frame): unknown {
  const text = expectText(frame);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WebSocketError("The text message is not valid JSON", { frame: toMessage(text), cause: error });
  }
}
