/**
 * Per-connection data as handlers read it: read-only all the way down, because changing it in place
 * would not be stored (call `setData()` with a new value). At run time it is frozen too.
 */
export type ReadonlyData<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly ReadonlyData<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: ReadonlyData<T[Key]> }
      : T;

/** Freezes a JSON-like value and everything in it. */
export function deepFreeze<T>(value: T): ReadonlyData<T> {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value as ReadonlyData<T>;
}
