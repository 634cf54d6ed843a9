import { describe, expect, it } from "vitest";
import { HistoryGate } from "../../durable-objects/rooms/history-gate.js";

const socket = {} as WebSocket;
const at = (offset: number, epoch = "e1") => ({ epoch, offset });

/** A late joiner's history read elsewhere (a sharded room's sequencer) while the room's stream goes on. */
describe("the history gate", () => {
  it("holds live broadcasts back while the history is read, then lets through those the history did not hold", () => {
    const gate = new HistoryGate();
    expect(gate.start(socket, "chat")).toBe(true);
    expect(gate.admit(socket, "chat", at(5), "five")).toBe("held");
    expect(gate.admit(socket, "chat", at(6), "six")).toBe("held");
    expect(gate.release(socket, "chat", at(5)).map(({ frame }) => frame)).toEqual(["six"]);
    expect(gate.admit(socket, "chat", at(7), "seven")).toBe("send");
  });

  it("skips a broadcast the history held that arrives only after the history was sent", () => {
    const gate = new HistoryGate();
    gate.start(socket, "chat");
    // The history read at the sequencer reached offset 8; the stream had brought only up to 6 here.
    expect(gate.release(socket, "chat", at(8))).toEqual([]);
    expect(gate.admit(socket, "chat", at(7), "seven")).toBe("skip");
    expect(gate.admit(socket, "chat", at(8), "eight")).toBe("skip");
    expect(gate.admit(socket, "chat", at(9), "nine")).toBe("send");
    expect(gate.admit(socket, "chat", at(8), "eight again")).toBe("send"); // past the floor, it is gone
  });

  it("lets a history started anew through, and keeps rooms and members apart", () => {
    const gate = new HistoryGate();
    const other = {} as WebSocket;
    gate.start(socket, "chat");
    gate.release(socket, "chat", at(8));
    expect(gate.admit(other, "chat", at(3), "other member")).toBe("send");
    expect(gate.admit(socket, "news", at(3), "other room")).toBe("send");
    expect(gate.admit(socket, "chat", at(1, "e2"), "a new epoch")).toBe("send");
  });
});
