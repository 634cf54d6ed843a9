import { fitsUtf8 } from "./utf8.js";

/** The longest close reason a close frame can carry: 125 payload bytes minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Codes a server may send: RFC 6455 §7.4 minus the reserved 1004-1006 and 1015, plus 3000-4999. */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

export function assertCloseArguments(code: number, reason: string): void {
  if (!isSendableCloseCode(code)) {
    throw new RangeError(
      `Invalid close code ${String(code)}: use 1000-1003, 1007-1014 or 3000-4999 (1004-1006 and 1015 are reserved)`,
    );
  }
  if (typeof reason !== "string") {
    throw new TypeError("The close reason must be a string");
  }
  if (!fitsUtf8(reason, MAX_CLOSE_REASON_BYTES)) {
    throw new RangeError(`The close reason is longer than ${MAX_CLOSE_REASON_BYTES} UTF-8 bytes`);
  }
}
