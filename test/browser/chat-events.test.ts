import { describe, expect, it } from "vitest";
import { parseChatEvent } from "../../examples/page/chat-events.js";

describe("chat events from the server", () => {
  it("reads the JSON events examples/chat.ts sends", () => {
    expect(parseChatEvent('{"type":"error","message":"Send text messages"}')).toEqual({
      type: "error",
      message: "Send text messages",
    });
    expect(parseChatEvent('{"type":"message","id":null,"name":"server","text":"hi"}')).toEqual({
      type: "message",
      id: null,
      name: "server",
      text: "hi",
    });
  });

  it("reads a welcome with its earlier messages", () => {
    const welcome = {
      type: "welcome",
      id: "1",
      name: "ada",
      room: "lobby",
      members: [{ id: "1", name: "ada" }],
      recovered: false,
      history: [{ id: null, name: "server", text: "hi", at: 1 }],
    };
    expect(parseChatEvent(JSON.stringify(welcome))).toEqual(welcome);
  });

  it("leaves out who comes and goes: that is for plain clients, and the page reads it from presence", () => {
    for (const type of ["joined", "back", "left"])
      expect(parseChatEvent(JSON.stringify({ type, id: "2", name: "bo" }))).toBeUndefined();
  });

  it("ignores what it does not know instead of failing", () => {
    for (const data of ["not json", "null", "[]", '{"type":"typing"}', '{"text":"no type"}']) {
      expect(parseChatEvent(data)).toBeUndefined();
    }
    expect(parseChatEvent(new ArrayBuffer(4))).toBeUndefined();
  });
});
