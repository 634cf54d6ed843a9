const encoder = new TextEncoder();

/**
 * Whether the text's UTF-8 encoding fits in `limit` bytes. A UTF-16 unit encodes to at most 3 bytes,
 * so short texts are decided without encoding them.
 */
export function fitsUtf8(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return true;
  if (text.length > limit) return false;
  return encoder.encode(text).byteLength <= limit;
}
