import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";

/** A server frame, as read off the wire. */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client written against the wire format, for what well-behaved clients (ws, browsers)
 * refuse to send: invalid close codes, invalid UTF-8, bad framing, a vanishing TCP connection.
 */
export class RawSocket {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  readonly #frames: ServerFrame[] = [];
  readonly #waiters: ((frame: ServerFrame | null) => void)[] = [];
  #ended = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Opens a TCP connection and completes the WebSocket handshake for `path`. */
  static async open(port: number, path: string, headers: Record<string, string> = {}): Promise<RawSocket> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join("") +
        "\r\n",
    );
    const raw = new RawSocket(socket);
    const head = await raw.#readHandshake();
    if (!head.startsWith("HTTP/1.1 101")) throw new Error(`Handshake refused: ${head.split("\r\n")[0]}`);
    socket.on("data", (chunk: Buffer) => raw.#receive(chunk));
    socket.on("close", () => raw.#end());
    raw.#receive(Buffer.alloc(0));
    return raw;
  }

  /** Sends one masked frame; `fin` and the reserved bits can be set wrong on purpose. */
  sendFrame(opcode: number, payload: Buffer, options: { fin?: boolean; rsv?: number; masked?: boolean } = {}): void {
    const { fin = true, rsv = 0, masked = true } = options;
    const length = payload.length;
    const header: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
    const maskBit = masked ? 0x80 : 0;
    if (length < 126) header.push(maskBit | length);
    else if (length < 65536) header.push(maskBit | 126, length >> 8, length & 0xff);
    else
      header.push(
        maskBit | 127,
        0,
        0,
        0,
        0,
        (length >>> 24) & 0xff,
        (length >> 16) & 0xff,
        (length >> 8) & 0xff,
        length & 0xff,
      );
    const mask = masked ? randomBytes(4) : Buffer.alloc(0);
    const body = Buffer.from(payload);
    if (masked) for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (mask[i % 4] as number);
    this.#socket.write(Buffer.concat([Buffer.from(header), mask, body]));
  }

  sendText(text: string | Buffer): void {
    this.sendFrame(0x1, typeof text === "string" ? Buffer.from(text) : text);
  }

  sendClose(code: number, reason: Buffer | string = ""): void {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.sendFrame(0x8, Buffer.concat([payload, typeof reason === "string" ? Buffer.from(reason) : reason]));
  }

  /** The next frame from the server, or null once the TCP connection has ended. */
  next(timeoutMs = 10_000): Promise<ServerFrame | null> {
    const frame = this.#frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No frame within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((received) => {
        clearTimeout(timer);
        resolve(received);
      });
    });
  }

  /** Reads frames until a close frame; resolves with its code (null if none), or undefined if TCP ended first. */
  async closeCode(): Promise<number | null | undefined> {
    const close = await this.closeFrame();
    return close === undefined ? undefined : close.code;
  }

  /** Reads frames until a close frame: its code (null if none) and the reason's bytes; undefined if TCP ended first. */
  async closeFrame(): Promise<{ code: number | null; reason: Buffer } | undefined> {
    for (;;) {
      const frame = await this.next();
      if (frame === null) return undefined;
      if (frame.opcode !== 0x8) continue;
      return frame.payload.length >= 2
        ? { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2) }
        : { code: null, reason: Buffer.alloc(0) };
    }
  }

  /** Drops the TCP connection without a close frame. */
  destroy(): void {
    this.#socket.destroy();
  }

  #readHandshake(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.#buffer = Buffer.concat([this.#buffer, chunk]);
        const end = this.#buffer.indexOf("\r\n\r\n");
        if (end === -1) return;
        this.#socket.off("data", onData);
        const head = this.#buffer.subarray(0, end).toString();
        this.#buffer = this.#buffer.subarray(end + 4);
        resolve(head);
      };
      this.#socket.on("data", onData);
      this.#socket.once("error", reject);
    });
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#buffer.length < 2) return;
      const opcode = (this.#buffer[0] as number) & 0x0f;
      let length = (this.#buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      const frame = { opcode, payload: this.#buffer.subarray(offset, offset + length) };
      this.#buffer = this.#buffer.subarray(offset + length);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    }
  }

  #end(): void {
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }
}
