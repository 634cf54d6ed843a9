const encoder = new TextEncoder();

/** The length of a text's UTF-8 encoding. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * The UTF-8 length of a value's JSON (0 for what JSON leaves out, such as undefined): how `ws.data` and the record's
 * parts are counted.
 */
export function jsonBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value) ?? "");
}

/**
 * Whether the text's UTF-8 encoding fits in `limit` bytes. A UTF-16 unit encodes to at most 3 bytes,
 * so short texts are decided without encoding them.
 */
export function fitsUtf8(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return true;
  if (text.length > limit) return false;
  return encoder.encode(text).byteLength <= limit;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes, cut between code points. */
export function truncateUtf8(text: string, limit: number): string {
  if (fitsUtf8(text, limit)) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = encoder.encode(char).byteLength;
    if (bytes + size > limit) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
