/** Checks what a send or a broadcast is given, with one clear error per misuse, and turns it into a frame. */

export function textPayload(text: unknown, method: string): string {
  if (typeof text !== "string") throw new TypeError(`${method}() takes a string, got ${typeof text}`);
  return text;
}

/** Compact JSON text. */
export function jsonPayload(value: unknown, method: string): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${method}() cannot serialize ${typeof value}`);
  return text;
}

export function bytesPayload(data: unknown, method: string): ArrayBuffer | ArrayBufferView {
  if (!(data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
    throw new TypeError(`${method}() takes an ArrayBuffer or a typed array`);
  }
  return data;
}
