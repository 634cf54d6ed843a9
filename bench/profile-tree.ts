/** A V8 CPU profile as the inspector returns it: a call tree whose nodes count the samples taken in them. */
export interface Profile {
  nodes: {
    id: number;
    hitCount?: number;
    children?: number[];
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
}

/**
 * Inclusive time: for each of `names` (function names as the profile gives them), the samples taken in
 * it or in anything it called, synchronously (a sample counts once per name, however deep the
 * recursion). An async function's part after an `await` is on the stack again when it resumes, so it
 * counts too. Returns the counts and the samples in all.
 */
export function samplesWithin(
  profiles: readonly Profile[],
  names: readonly string[],
): { within: Map<string, number>; total: number } {
  const within = new Map(names.map((name) => [name, 0]));
  let total = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      total += hits;
      const onStack = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id))
        onStack.add(byId.get(id)?.callFrame.functionName ?? "");
      for (const name of onStack) if (within.has(name)) within.set(name, (within.get(name) as number) + hits);
    }
  }
  return { within, total };
}
