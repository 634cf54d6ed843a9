/**
 * The header that carries admitted data (what `authorize` returned) from the Worker to the room
 * object. It is read only when the app has `authorize`, and then the Worker always sets it, so a
 * client's own copy never gets through.
 */
export const ADMISSION_HEADER = "x-hypern-admission";

export function withAdmission(request: Request, data: unknown): Request {
  const headers = new Headers(request.headers);
  headers.set(ADMISSION_HEADER, data === undefined ? "" : encodeURIComponent(JSON.stringify(data)));
  return new Request(request, { headers });
}

/** The admitted data, or null when the request did not come through the app's Worker. */
export function readAdmission(headers: Headers): { data: unknown } | null {
  const header = headers.get(ADMISSION_HEADER);
  if (header === null) return null;
  if (header === "") return { data: undefined };
  try {
    return { data: JSON.parse(decodeURIComponent(header)) };
  } catch {
    return null;
  }
}
