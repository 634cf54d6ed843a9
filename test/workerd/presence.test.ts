import { env } from "cloudflare:test";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ReadonlyData, ServerWebSocket } from "../../src/index.js";
import { app } from "../worker/index.js";
import type { TestSocket } from "./client.js";
import { connect, eventually, hibernate } from "./client.js";

let objects = 0;
const freshObject = (): string => `presence-${Date.now()}-${++objects}`;
const roomOf = (object: string) => app.roomObject(env, object, { route: "/presence/:object" });

async function person(object: string, name: string): Promise<{ client: TestSocket; id: string }> {
  const client = await connect(`/presence/${object}?name=${name}`);
  const { joined } = await client.receiveJson<{ joined: string }>();
  return { client, id: joined };
}

async function ask<T>(client: TestSocket, command: Record<string, unknown>): Promise<T> {
  client.sendJson(command);
  return client.receiveJson<T>();
}

describe("a room's members as handles", () => {
  it("lists every member with its data, dormant ones included, inside the room and from Worker code", async () => {
    const object = freshObject();
    const [ada, bo, cy] = [await person(object, "ada"), await person(object, "bo"), await person(object, "cy")];
    await hibernate(roomOf(object));
    const { who } = await ask<{ who: { id: string; name: string }[] }>(ada.client, { op: "who" });
    expect(who.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { id: ada.id, name: "ada" },
      { id: bo.id, name: "bo" },
      { id: cy.id, name: "cy" },
    ]);
    const fromWorker = await roomOf(object).getConnections<{ name: string }>();
    expect(
      fromWorker.map(({ id, data }) => ({ id, name: data?.name ?? "" })).sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(who);
  });

  it("sends to one member and closes one, though their handlers sleep", async () => {
    const object = freshObject();
    const [ada, bo, cy] = [await person(object, "ada"), await person(object, "bo"), await person(object, "cy")];
    await hibernate(roomOf(object));
    expect(await ask(ada.client, { op: "dm", to: bo.id, text: "psst" })).toEqual({ sent: true });
    expect(await bo.client.receiveJson()).toEqual({ from: "ada", text: "psst" });
    // cy's next message is the answer to its own question: the message for bo would have come before it.
    expect(await ask(cy.client, { op: "who" })).toHaveProperty("who");
    expect(await cy.client.collect(0)).toEqual([]);
    expect(await ask(ada.client, { op: "kick", id: cy.id })).toEqual({ kicked: cy.id });
    expect(await cy.client.closed()).toEqual({ code: 4009, reason: "kicked" });
    await eventually(async () => expect(await roomOf(object).size()).toBe(2));
    expect(await roomOf(object).closeAll(4000, "all")).toBe(2);
  });

  it(
    "ws.data is read-only: changing it in place throws instead of being silently lost; it survives " + "a wake",
    async () => {
      const object = freshObject();
      const { client } = await person(object, "ada");
      expect(await ask(client, { op: "mutate" })).toEqual({ mutated: false, error: "TypeError", name: "ada" });
      await hibernate(roomOf(object));
      expect(await ask(client, { op: "mutate" })).toEqual({ mutated: false, error: "TypeError", name: "ada" });
      const bad = await ask<{ error: string; name: string }>(client, { op: "badData" });
      expect(bad.error).toBe("ws.data must be JSON-serializable: it is stored with the connection as JSON");
      expect(bad.name).toBe("cyclic");
    },
  );

  it("types ws.data read-only all the way down", () => {
    type Socket = ServerWebSocket<Record<string, never>, { name: string; tags: string[] }>;
    expectTypeOf<Socket["data"]>().toEqualTypeOf<ReadonlyData<{ name: string; tags: string[] }> | undefined>();
    expectTypeOf<NonNullable<Socket["data"]>["tags"]>().toEqualTypeOf<readonly string[]>();
    const changeInPlace = (data: NonNullable<Socket["data"]>): void => {
      // @ts-expect-error: a change in place would not be stored
      data.name = "x";
    };
    expectTypeOf(changeInPlace).toBeFunction();
  });
});
