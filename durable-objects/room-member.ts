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
  /** Sends text; false when the member has gone (or was closed for exceeding its outbound budget). */
  sendText(text: string): boolean;
  /** Sends `value` as compact JSON text; false when the member has gone. */
  sendJson(value: unknown): boolean;
  sendBytes(data: ArrayBuffer | ArrayBufferView): boolean;
  /** Closes the member's connection; its handler (resumed if dormant) sees the WebSocketDisconnect. */
  close(code?: number, reason?: string): void;
}

/** What a member handle needs from its room object. */
export interface MemberHost {
  send(socket: WebSocket, frame: string | ArrayBuffer | ArrayBufferView): Delivery;
  close(socket: WebSocket, code: number, reason: string): void;
}

export function roomMember<Data>(host: MemberHost, id: string, socket: WebSocket, data: ReadonlyData<Data> | undefined): RoomMember<Data> {
  return {
    id,
    data,
    sendText: (text) => host.send(socket, textPayload(text, "sendText")) === "sent",
    sendJson: (value) => host.send(socket, jsonPayload(value, "sendJson")) === "sent",
    sendBytes: (bytes) => host.send(socket, bytesPayload(bytes, "sendBytes")) === "sent",
    close: (code = 1000, reason = "") => {
      assertCloseArguments(code, reason);
      host.close(socket, code, reason);
    },
  };
}
