import { assertCloseArguments } from "../../src/shared/close-code.js";
import { bytesPayload, jsonPayload, textPayload } from "../../src/shared/payload.js";
import type { ReadonlyData } from "../../src/shared/readonly-data.js";
import type { OutgoingFrame } from "../connection/frames.js";

/** Who is in a room: what Worker code gets from `app.roomObject(...).getConnections()`. */
export interface RoomMemberInfo<Data = unknown> {
  /** The member's connection id (`ws.id`). */
  readonly id: string;
  /** Its `ws.data`, as stored with the connection. */
  readonly data: ReadonlyData<Data> | undefined;
}

/**
 * A member of a `WebSocketRoom`, whether its handler is running or dormant: who it is, and how to
 * reach it. Sends go through the member's outbound budget, like every send.
 */
export interface RoomMember<Data = unknown> extends RoomMemberInfo<Data> {
  /**
   * Sends text; resolves false when the member has gone (or was closed for exceeding its outbound
   * budget). A member whose session client dropped and may resume gets it on its resume. Asynchronous
   * because in a room over several objects the member may be in another.
   */
  sendText(text: string): Promise<boolean>;
  /** Sends `value` as compact JSON text; resolves false when the member has gone. */
  sendJson(value: unknown): Promise<boolean>;
  sendBytes(data: ArrayBuffer | ArrayBufferView): Promise<boolean>;
  /** Closes the member's connection; its handler (rerun if dormant) sees the WebSocketDisconnect. */
  close(code?: number, reason?: string): Promise<void>;
}

/** How a member handle reaches its member, here or in another object. */
export interface MemberTarget {
  send(frame: OutgoingFrame): boolean | Promise<boolean>;
  close(code: number, reason: string): void | Promise<void>;
}

/** A member as a handle, reached through `target`. */
export function memberHandle<Data>(
  id: string,
  data: ReadonlyData<Data> | undefined,
  target: MemberTarget,
): RoomMember<Data> {
  return {
    id,
    data,
    sendText: async (text) => target.send(textPayload(text, "sendText")),
    sendJson: async (value) => target.send(jsonPayload(value, "sendJson")),
    sendBytes: async (bytes) => target.send(bytesPayload(bytes, "sendBytes")),
    close: async (code = 1000, reason = "") => {
      assertCloseArguments(code, reason);
      await target.close(code, reason);
    },
  };
}
