import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SessionStore } from "../../durable-objects/sessions/session-store.js";

describe("the session store (in a real object's SQLite storage)", () => {
  it("keeps each session's processed ids bounded, however the sessions' messages interleave", async () => {
    const stub = env.ROOMS.get(env.ROOMS.idFromName(`session-store-${Date.now()}`));
    await runInDurableObject(stub, (_, state) => {
      const store = new SessionStore(state.storage.sql);
      const [even, odd] = [
        store.create("s1", "c1", "/r", { data: null, rooms: [] }, null),
        store.create("s2", "c2", "/r", { data: null, rooms: [] }, null),
      ];
      for (let i = 0; i < 3_000; i++) store.remember(i % 2 === 0 ? even : odd, `m${i}`, Date.now());
      const counts = state.storage.sql
        .exec<{ session: string; count: number }>(
          "SELECT session, COUNT(*) AS count FROM hypern_inbox GROUP BY session ORDER BY session = ? DESC",
          even,
        )
        .toArray()
        .map(({ count }) => count);
      expect(counts).toHaveLength(2);
      for (const count of counts) expect(count).toBeLessThanOrEqual(1_100);
      // The most recent ids are the ones remembered.
      expect(store.processed(even, "m2998")).toBe(true);
      expect(store.processed(odd, "m2999")).toBe(true);
      expect(store.processed(even, "m0")).toBe(false);
    });
  });
});
