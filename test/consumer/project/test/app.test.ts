import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { assertOnceInOrder, connect, hibernate, sessionClient } from "hypern-workers/testing";
import { describe, expect, it } from "vitest";
import { app } from "../src/index.js";

describe("a user's app, tested with hypern-workers/testing", () => {
  it("echoes", async () => {
    const client = await connect("/echo");
    client.send("hi");
    expect(await client.receiveText()).toBe("echo: hi");
  });

  it("broadcasts to everyone but the sender, and keeps the room through a forced hibernation", async () => {
    const [alice, bob, carol] = [
      await connect("/chat/lobby"),
      await connect("/chat/lobby"),
      await connect("/chat/lobby"),
    ];
    const welcome = await alice.receiveJson<{ id: string }>();
    await bob.receiveJson();
    await carol.receiveJson();

    alice.send("hello");
    expect(await bob.receiveJson()).toEqual({ from: welcome.id, text: "hello" });
    expect(await carol.receiveJson()).toEqual({ from: welcome.id, text: "hello" });
    expect(await alice.collect(50)).toEqual([]);

    await hibernate(app.roomObject(env, "lobby", { route: "/chat/:room" }));
    alice.send("resumed?");
    expect(await alice.receiveJson()).toEqual({ resumed: true });
    alice.send("after the wake");
    expect(await bob.receiveJson()).toEqual({ from: welcome.id, text: "after the wake" });
    expect(await carol.receiveJson()).toEqual({ from: welcome.id, text: "after the wake" });
    expect(await app.roomObject(env, "lobby", { route: "/chat/:room" }).size()).toBe(3);
  });

  it("pushes into a room from plain Worker code", async () => {
    const client = await connect("/chat/news");
    await client.receiveJson();
    const response = await exports.default.fetch("http://example.com/announce/news", { method: "POST", body: "extra" });
    expect(await response.json()).toEqual({ sent: 1 });
    expect(await client.receiveJson()).toEqual({ from: "server", text: "extra" });
  });

  it("resumes a session client dropped mid-conversation: every message once, in order", async () => {
    const [ada, bo] = [sessionClient("/talk/tea"), sessionClient("/talk/tea")];
    await ada.welcomed();
    await bo.welcomed();
    const sent = ["one", "two", "three", "four", "five", "six"];
    sent.forEach((text, index) => {
      ada.send(text);
      if (index === 2) ada.drop(); // the rest wait for the resume, and go once
      if (index === 3) bo.drop(); // what bo misses is replayed
    });
    await ada.received("six");
    await bo.received("six");
    assertOnceInOrder(ada.texts, sent, { exact: true });
    assertOnceInOrder(bo.texts, sent, { exact: true });
    expect(ada.welcomes[1]).toMatchObject({ recovered: true });
    expect(bo.welcomes[1]).toMatchObject({ recovered: true });
    ada.close();
    bo.close();
  });
});
