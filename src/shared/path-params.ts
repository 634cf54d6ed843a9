/** Percent-decodes params captured from a path; null when one is malformed. */
export function decodeParams(
  raw: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> | null {
  const params: Record<string, string | undefined> = {};
  try {
    for (const [name, value] of Object.entries(raw))
      params[name] = value === undefined ? undefined : decodeURIComponent(value);
  } catch {
    return null;
  }
  return params;
}
