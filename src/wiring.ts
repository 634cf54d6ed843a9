/**
 * Mistakes in how the app is wired to its room objects (the wrangler config's bindings, the exported class).
 * The Worker answers them with HTTP 500 carrying the explanation, and logs it, instead of letting the
 * runtime answer an empty 500 with its own internals in the terminal.
 */
export class WiringError extends Error {
  override name = "WiringError";
}

/** The app's room namespace from env, or a WiringError that says how to bind it. */
export function roomNamespace(env: unknown, binding: string): DurableObjectNamespace {
  const namespace = (env as Record<string, unknown> | null | undefined)?.[binding] as
    Partial<DurableObjectNamespace> | undefined;
  if (namespace === undefined || typeof namespace.idFromName !== "function" || typeof namespace.get !== "function") {
    throw new WiringError(
      `No Durable Object binding "${binding}" in env: bind the class you declare as "export class ... extends ` +
        `app.RoomObject {}" ` +
        `under the name "${binding}", in wrangler.toml with [[durable_objects.bindings]] name = "${binding}", ` +
        `class_name = "<that class>", ` +
        `or in wrangler.jsonc with "durable_objects": { "bindings": [{ "name": "${binding}", "class_name": "<that ` +
        `class>" }] }; ` +
        "or pass { binding } to new Hypern() to use a binding of another name",
    );
  }
  return namespace as DurableObjectNamespace;
}

/**
 * Turns a failure to reach a room object into a WiringError when it comes from a class that is not
 * the app's room object (a plain Durable Object has no fetch handler and none of the room's RPC methods).
 */
export function explainRoomObjectFailure(binding: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : "";
  if (/does not (?:define|export|implement)/.test(message)) {
    return new WiringError(
      `The Durable Object class bound as "${binding}" is not this app's room object (${message}): ` +
        `declare it as "export class ... extends app.RoomObject {}" in the Worker's main module and name that ` +
        `class in the binding's class_name`,
      { cause: error },
    );
  }
  return error;
}
