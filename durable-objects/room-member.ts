import { assertCloseArguments } from "../src/shared/close-code.js";
import { bytesPayload, jsonPayload, textPayload } from "../src/shared/payload.js";
import type { ReadonlyData } from "../src/shared/readonly-data.js";
import type { Delivery } from "./outbox.js";

/** Who is in a room: what Worker code gets from `app.room(...).getConnections()`. */
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
   * budget). Asynchronous because in a room that spans several objects the member may be in another.
   */
  sendText(text: string): Promise<boolean>;
  /** Sends `value` as compact JSON text; resolves false when the member has gone. */
  sendJson(value: unknown): Promise<boolean>;
  sendBytes(data: ArrayBuffer | ArrayBufferView): Promise<boolean>;
  /** Closes the member's connection; its handler (resumed if dormant) sees the WebSocketDisconnect. */
  close(code?: number, reason?: string): Promise<void>;
}

/** What a member handle needs from its room object. */
export interface MemberHost {
  sendDirect(socket: WebSocket, frame: string | ArrayBuffer | ArrayBufferView): Delivery;
  close(socket: WebSocket, code: number, reason: string): void;
}

/** How to reach a member held by another object of a sharded room. */
export interface RemoteMember {
  send(frame: string | ArrayBuffer | ArrayBufferView): Promise<boolean>;
  close(code: number, reason: string): Promise<void>;
}

/** A member held by this room object. */
export function roomMember<Data>(host: MemberHost, id: string, socket: WebSocket, data: ReadonlyData<Data> | undefined): RoomMember<Data> {
  return memberHandle(id, data, {
    send: async (frame) => host.sendDirect(socket, frame) === "sent",
    close: async (code, reason) => host.close(socket, code, reason),
  });
}

/** A member reached through `target`: here or in another object. */
export function memberHandle<Data>(id: string, data: ReadonlyData<Data> | undefined, target: RemoteMember): RoomMember<Data> {
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
