/** Connection ids to leave out of a broadcast: one id or any iterable of ids. */
export type ExcludeIds = string | Iterable<string>;

export function toIdSet(exclude: ExcludeIds | undefined): ReadonlySet<string> | undefined {
  if (exclude === undefined) return undefined;
  if (typeof exclude === "string") return new Set([exclude]);
  return exclude instanceof Set ? (exclude as ReadonlySet<string>) : new Set(exclude);
}
