const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;

/** Bytes a frame's header takes, judged from what has arrived of it (2 until the length byte is in). */
function headerLength(header: Buffer): number {
  if (header.length < 2) return 2;
  const length = (header[1] as number) & 0x7f;
  const masked = ((header[1] as number) & 0x80) !== 0;
  return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + (masked ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const length = (header[1] as number) & 0x7f;
  if (length === 126) return header.readUInt16BE(2);
  if (length === 127) return Number(header.readBigUInt64BE(2));
  return length;
}

/**
 * Counts the messages in a server's WebSocket stream as its chunks arrive, keeping none of their
 * payloads (hundreds of MiB may pass through), and notes the close frame's code.
 */
export class FrameCounter {
  /** Whole data messages received (a fragmented message counts once). */
  messages = 0;
  /** Payload bytes of data frames received. */
  bytes = 0;
  /** The close frame's code: null until one arrives, 1005 for a close frame without one. */
  closeCode: number | null = null;

  #header = Buffer.alloc(0);
  #opcode = 0;
  #fin = false;
  /** Payload bytes of the current frame still to come; -1 while its header is still arriving. */
  #left = -1;
  #closePayload = Buffer.alloc(0);

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#left === -1) {
        const take = Math.min(headerLength(this.#header) - this.#header.length, chunk.length - offset);
        this.#header = Buffer.concat([this.#header, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.#header.length < headerLength(this.#header)) continue;
        this.#opcode = (this.#header[0] as number) & 0x0f;
        this.#fin = ((this.#header[0] as number) & 0x80) !== 0;
        this.#left = payloadLength(this.#header);
        this.#header = Buffer.alloc(0);
      } else {
        const take = Math.min(this.#left, chunk.length - offset);
        if (this.#opcode === CLOSE)
          this.#closePayload = Buffer.concat([this.#closePayload, chunk.subarray(offset, offset + take)]);
        else if (this.#opcode <= BINARY) this.bytes += take;
        offset += take;
        this.#left -= take;
      }
      if (this.#left === 0) this.#endFrame();
    }
  }

  #endFrame(): void {
    if (this.#fin && [CONTINUATION, TEXT, BINARY].includes(this.#opcode)) this.messages += 1;
    if (this.#opcode === CLOSE && this.closeCode === null) {
      this.closeCode = this.#closePayload.length >= 2 ? this.#closePayload.readUInt16BE(0) : 1005;
    }
    this.#closePayload = Buffer.alloc(0);
    this.#left = -1;
  }
}
