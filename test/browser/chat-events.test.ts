import { describe, expect, it } from "vitest";
import { parseChatEvent } from "../../examples/page/chat-events.js";

describe("chat events from the server", () => {
  it("reads the JSON events examples/chat.ts sends", () => {
    expect(parseChatEvent('{"type":"joined","id":"1","name":"bob"}')).toEqual({ type: "joined", id: "1", name: "bob" });
    expect(parseChatEvent('{"type":"message","id":null,"name":"server","text":"hi"}')).toEqual({
      type: "message",
      id: null,
      name: "server",
      text: "hi",
    });
  });

  it("reads a welcome with its people and earlier messages, and a person back after a drop", () => {
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
    expect(parseChatEvent('{"type":"back","id":"2","name":"bo"}')).toEqual({ type: "back", id: "2", name: "bo" });
  });

  it("ignores what it does not know instead of failing", () => {
    for (const data of ["not json", "null", "[]", '{"type":"typing"}', '{"text":"no type"}']) {
      expect(parseChatEvent(data)).toBeUndefined();
    }
    expect(parseChatEvent(new ArrayBuffer(4))).toBeUndefined();
  });
});
