import { copyBytes } from "../../src/shared/bytes.js";

/** A frame as the runtime hands it over: text as a string, binary as an ArrayBuffer. */
export type Frame = string | ArrayBuffer;

/** A frame the object sends: text, or bytes in any buffer or view. */
export type OutgoingFrame = string | ArrayBuffer | ArrayBufferView;

/** A frame as it travels over RPC: text, or its own ArrayBuffer (a copy: the sender may reuse its buffer). */
export function toFrame(frame: OutgoingFrame): Frame {
  return typeof frame === "string" ? frame : copyBytes(frame);
}

/** A frame as two SQL columns: its text, or its bytes (storage copies them as it binds them). */
export function frameColumns(frame: OutgoingFrame): [text: string | null, bytes: ArrayBuffer | null] {
  if (typeof frame === "string") return [frame, null];
  return [null, frame instanceof ArrayBuffer ? frame : copyBytes(frame)];
}

/** What limits count of a frame: bytes for binary, characters (UTF-16 units) for text. */
export function weightOf(frame: OutgoingFrame): number {
  return typeof frame === "string" ? frame.length : frame.byteLength;
}

/** One received message, as `receive()` returns it. */
export type WebSocketMessage =
  { readonly type: "text"; readonly data: string } | { readonly type: "bytes"; readonly data: Uint8Array };

export function toMessage(frame: Frame): WebSocketMessage {
  return typeof frame === "string" ? { type: "text", data: frame } : { type: "bytes", data: new Uint8Array(frame) };
}
