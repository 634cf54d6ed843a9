/** A frame as the runtime hands it over: text as a string, binary as an ArrayBuffer. */
export type Frame = string | ArrayBuffer;

/** One received message, as `receive()` returns it. */
export type WebSocketMessage =
  | { readonly type: "text"; readonly data: string }
  | { readonly type: "bytes"; readonly data: Uint8Array };

export function toMessage(frame: Frame): WebSocketMessage {
  return typeof frame === "string"
    ? { type: "text", data: frame }
    : { type: "bytes", data: new Uint8Array(frame) };
}
