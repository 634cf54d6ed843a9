import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { FrameCounter } from "./frame-counter.ts";
import { sleep } from "./clients.ts";

/** A client's text frame: its header with a mask key, and the payload masked with that key (RFC 6455 §5.3). */
export function maskedTextFrame(payload: Buffer): [header: Buffer, body: Buffer] {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = 0x81;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  // Four bytes at a time where both buffers allow it: masking hundreds of MiB a byte at a time would slow the client.
  const body = Buffer.allocUnsafeSlow(length);
  let i = 0;
  if (payload.byteOffset % 4 === 0) {
    const words = length >>> 2;
    const from = new Uint32Array(payload.buffer, payload.byteOffset, words);
    const to = new Uint32Array(body.buffer, body.byteOffset, words);
    // in the platform's byte order, like the views
    const mask = new Uint32Array(Uint8Array.from(key).buffer)[0] as number;
    for (let w = 0; w < words; w++) to[w] = (from[w] as number) ^ mask;
    i = words * 4;
  }
  for (; i < length; i++) body[i] = (payload[i] as number) ^ (key[i & 3] as number);
  return [header, body];
}

/**
 * A WebSocket client on a bare TCP socket, so that not reading is really not reading: while paused,
 * nothing takes bytes off the socket, the kernel's buffers fill, TCP's window closes and the server's
 * sends back up in the server. It counts what it reads (FrameCounter) without keeping it.
 */
export class TcpClient {
  readonly received = new FrameCounter();
  readonly #socket: Socket;
  #ended = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Opens the connection and completes the handshake; the client reads until `pause()`. */
  static async open(url: string): Promise<TcpClient> {
    const { hostname, port, pathname } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const client = new TcpClient(socket);
    socket.on("error", () => {}); // a reset shows as the end of the connection
    socket.once("close", () => void (client.#ended = true));
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        const status = head.subarray(0, head.indexOf("\r\n")).toString();
        if (!status.startsWith("HTTP/1.1 101")) return reject(new Error(`Handshake refused: ${status}`));
        socket.on("data", (data: Buffer) => client.received.push(data));
        client.received.push(head.subarray(end + 4));
        resolve();
      };
      socket.on("data", onData);
      socket.once("close", () => reject(new Error("The connection ended during the handshake")));
    });
    return client;
  }

  /** True once the TCP connection has ended (closed by either side, or reset). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Stops taking bytes off the socket. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Sends one text message; resolves true once it is in the kernel's send buffer, false if the connection failed. */
  send(payload: Buffer): Promise<boolean> {
    if (this.#ended || this.#socket.destroyed) return Promise.resolve(false);
    const [header, body] = maskedTextFrame(payload);
    this.#socket.write(header);
    return new Promise((resolve) => this.#socket.write(body, (error) => resolve(error == null)));
  }

  /**
   * Sends `count` copies of `payload`, each once the kernel has taken the one before; stops early if
   * the connection fails or a send is not taken within `stallMs`. Resolves with how many were taken.
   */
  async sendCopies(payload: Buffer, count: number, stallMs: number): Promise<number> {
    for (let sent = 0; sent < count; sent++) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), stallMs)));
      const taken = await Promise.race([this.send(payload), stalled]);
      clearTimeout(timer);
      if (!taken) return sent;
    }
    return count;
  }

  /** The close code read so far: 1006 if TCP ended without a close frame, 0 while the connection is open. */
  get closeCode(): number {
    return this.received.closeCode ?? (this.#ended ? 1006 : 0);
  }

  /**
   * Reads until `expected` messages have arrived in all, or a close frame, or the end of the
   * connection, or `quietMs` without new data.
   */
  async drain(expected: number, quietMs: number): Promise<void> {
    this.resume();
    let last = this.received.bytes;
    let quietSince = performance.now();
    while (this.received.messages < expected && this.received.closeCode === null && !this.#ended) {
      await sleep(10);
      if (this.received.bytes !== last) {
        last = this.received.bytes;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > quietMs) return;
    }
  }

  /** Ends the connection without a close handshake (the server sees 1006). */
  destroy(): void {
    this.#socket.destroy();
  }
}
