export interface OnceInOrderOptions {
  /**
   * Whether `received` must hold nothing but the messages sent. Default false: other messages (other
   * clients' traffic, notices, welcomes) may come in between, and are ignored.
   */
  exact?: boolean;
}

/** How many messages a problem line names before it says how many more there are. */
const NAMED = 10;
/** How much of one message a problem line shows. */
const SHOWN_CHARS = 80;

/**
 * What breaks "every message sent was received exactly once, in the order sent", one line per kind of
 * problem: the missing ones, the doubled ones, the first out of order, and with `exact` the ones never
 * sent; `[]` when it holds. Messages are strings or JSON values, compared as JSON (an object's key
 * order aside): `received` may be `client.texts` or `client.json()`. `sent` must not hold the same
 * message twice (a TypeError says so): number them, so that a doubled one can be told from a repeat.
 * It throws nothing else and imports nothing, so it works under any test framework:
 * `expect(onceInOrderProblems(received, sent)).toEqual([])`.
 */
export function onceInOrderProblems(
  received: readonly unknown[],
  sent: readonly unknown[],
  options: OnceInOrderOptions = {},
): string[] {
  const places = new Map<string, number>();
  for (const [index, message] of sent.entries()) {
    const key = keyOf(message);
    const earlier = places.get(key);
    if (earlier !== undefined) {
      throw new TypeError(
        `sent holds the same message twice, ${shown(message)} (#${earlier + 1} and #${index + 1}): number the ` +
          `messages, so that a doubled one can be told from a repeat`,
      );
    }
    places.set(key, index);
  }
  const label = (index: number): string => `#${index + 1} ${shown(sent[index])}`;
  const times = sent.map(() => 0);
  const others: unknown[] = [];
  let latest = -1;
  let outOfOrder: string | undefined;
  for (const message of received) {
    const index = places.get(keyOf(message));
    if (index === undefined) {
      others.push(message);
      continue;
    }
    const count = (times[index] ?? 0) + 1;
    times[index] = count;
    if (count > 1) continue;
    if (index > latest) latest = index;
    else outOfOrder ??= `out of order: ${label(index)} came after ${label(latest)}, which was sent after it`;
  }
  const problems: string[] = [];
  const missing = [...times.keys()].filter((index) => times[index] === 0);
  if (missing.length > 0) problems.push(`missing ${missing.length} of ${sent.length}: ${named(missing.map(label))}`);
  const doubled = [...times.keys()].filter((index) => (times[index] ?? 0) > 1);
  if (doubled.length > 0)
    problems.push(
      `received more than once: ${named(doubled.map((index) => `${label(index)} (${times[index]} times)`))}`,
    );
  if (outOfOrder !== undefined) problems.push(outOfOrder);
  if (options.exact === true && others.length > 0)
    problems.push(`received ${others.length} never sent: ${named(others.map(shown))}`);
  return problems;
}

/**
 * Throws an Error listing the problems (see `onceInOrderProblems`) unless every message sent was
 * received exactly once, in the order sent. Any test framework fails the test with its message.
 */
export function assertOnceInOrder(
  received: readonly unknown[],
  sent: readonly unknown[],
  options: OnceInOrderOptions = {},
): void {
  const problems = onceInOrderProblems(received, sent, options);
  if (problems.length === 0) return;
  const expected =
    `Expected each of the ${sent.length} messages sent to be received once, in the order ` +
    `sent${options.exact === true ? ", and nothing else" : ""}:`;
  throw new Error(
    [
      expected,
      ...problems.map((problem) => `  ${problem}`),
      `received (${received.length}): ${named(received.map(shown))}`,
    ].join("\n"),
  );
}

/** JSON with every object's keys sorted: equal values, equal keys. */
function keyOf(message: unknown): string {
  return (
    JSON.stringify(message, (_key, value: unknown) =>
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
        : value,
    ) ?? String(message)
  );
}

function shown(message: unknown): string {
  const text = JSON.stringify(message) ?? String(message);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}

function named(items: readonly string[]): string {
  const more = items.length - NAMED;
  return `${items.slice(0, NAMED).join(", ")}${more > 0 ? `, and ${more} more` : ""}`;
}
