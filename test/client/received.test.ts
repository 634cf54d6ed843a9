import { describe, expect, it } from "vitest";
import { Received } from "../../src/client/received.js";
import {
  parseClientFrame,
  resumeRequestIn,
  sessionProtocols,
  SESSION_PROTOCOL,
  payloadData,
  payloadOf,
} from "../../src/shared/session-protocol.js";

describe("what a session client has received", () => {
  it("takes each direct message once, in order, and each room's broadcasts once per epoch", () => {
    const received = new Received();
    expect([1, 2, 2, 1, 3].map((s) => received.accept({ t: "m", s, d: "x" }))).toEqual([
      "new",
      "new",
      "seen",
      "seen",
      "new",
    ]);
    // Broadcasts may skip offsets (those that left this client out); rooms are independent.
    expect([1, 2, 2, 5].map((o) => received.accept({ t: "b", r: "chat", e: "one", o, d: "x" }))).toEqual([
      "new",
      "new",
      "seen",
      "new",
    ]);
    expect(received.accept({ t: "b", r: "chat", e: "two", o: 1, d: "x" })).toBe("new"); // a new log
    expect(received.accept({ t: "b", r: "other", e: "one", o: 1, d: "x" })).toBe("new");
    expect(received.accept({ t: "u", d: "unnumbered" })).toBe("new");
    expect(received.resumeRequest("s")).toEqual({
      session: "s",
      seq: 3,
      rooms: { chat: { epoch: "two", offset: 1 }, other: { epoch: "one", offset: 1 } },
    });
    expect(received.acknowledgement()).toEqual({ s: 3, r: { chat: 1, other: 1 }, e: { chat: "two", other: "one" } });
    received.reset();
    expect(received.resumeRequest("t")).toEqual({ session: "t", seq: 0, rooms: {} });
  });

  it("calls a direct message past the next one expected a gap, and does not count it received", () => {
    const received = new Received();
    expect(received.accept({ t: "m", s: 1, d: "x" })).toBe("new");
    expect(received.accept({ t: "m", s: 3, d: "x" })).toBe("gap");
    expect(received.acknowledgement().s).toBe(1);
    expect(received.accept({ t: "m", s: 2, d: "x" })).toBe("new"); // the replay after the resume
  });
});

describe("the session protocol's frames", () => {
  it("carries a resume request in a subprotocol token, and reads back only a well-formed one", () => {
    const resume = { session: "abc", seq: 7, rooms: { "chat/ü": { epoch: "e", offset: 3 } } };
    const protocols = sessionProtocols(resume);
    expect(protocols[0]).toBe(SESSION_PROTOCOL);
    expect(protocols[1]).toMatch(/^hypern\.session\.resume\.[A-Za-z0-9_-]+$/);
    expect(resumeRequestIn(protocols)).toEqual(resume);
    expect(resumeRequestIn([SESSION_PROTOCOL])).toBeNull();
    for (const bad of [
      "hypern.session.resume.!!!",
      "hypern.session.resume.e30",
      `hypern.session.resume.${btoa('{"session":1}')}`,
    ]) {
      expect(resumeRequestIn([SESSION_PROTOCOL, bad])).toBeNull();
    }
  });

  it("reads client frames strictly", () => {
    expect(parseClientFrame('{"t":"m","id":"c1","d":"hi"}')).toEqual({ t: "m", id: "c1", d: "hi" });
    expect(parseClientFrame('{"t":"a","s":3,"r":{"chat":4}}')).toEqual({ t: "a", s: 3, r: { chat: 4 } });
    for (const bad of [
      "hi",
      "{}",
      '{"t":"m","d":"no id"}',
      '{"t":"m","id":"","d":"x"}',
      '{"t":"m","id":"x"}',
      '{"t":"a","s":"3"}',
      '{"t":"a","s":1,"r":{"x":"1"}}',
      "null",
    ]) {
      expect(parseClientFrame(bad), bad).toBeNull();
    }
    expect(parseClientFrame(new ArrayBuffer(2))).toBeNull();
  });

  it("carries binary payloads as base64, both ways", () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const payload = payloadOf(bytes);
    expect(payload).toEqual({ b: "AAH+/w==" });
    expect([...new Uint8Array(payloadData(payload) as ArrayBuffer)]).toEqual([0, 1, 254, 255]);
    expect(payloadData(payloadOf("text"))).toBe("text");
  });
});
