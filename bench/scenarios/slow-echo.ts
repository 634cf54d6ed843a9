import type { Implementation } from "../clients.ts";
import { sleep } from "../clients.ts";
import { watchPeak } from "../peak-memory.ts";
import type { BenchServer } from "../server.ts";
import { TcpClient } from "../tcp-client.ts";

export interface SlowEchoSizes {
  /** Messages the client sends, each `payloadBytes` of text. */
  messages: number;
  payloadBytes: number;
  /** How long memory is still watched after the last send. */
  settleMs: number;
  /** A send the kernel has not taken within this long ends the sending (the server stopped reading). */
  stallMs: number;
}

const MiB = 2 ** 20;

/**
 * A client opens the echo route and sends large messages as fast as TCP takes them, never reading
 * the echoes. Measured in a fresh workerd: how far its resident memory rose (the peak over the
 * sending and the settling after it), then, reading at last, how many messages the server echoed
 * before it closed the connection, and the close code (0: still open).
 */
export async function slowEcho(server: BenchServer, implementation: Implementation, sizes: SlowEchoSizes) {
  const url = `${server.wsUrl}/${implementation}/echo/slow-reader`;
  await warmUp(url);
  const client = await TcpClient.open(url);
  client.pause();
  await sleep(100);

  const before = server.residentBytes();
  const peak = watchPeak(() => server.residentBytes());
  const sent = await client.sendCopies(Buffer.alloc(sizes.payloadBytes, "x"), sizes.messages, sizes.stallMs);
  await sleep(sizes.settleMs);
  const peakBytes = peak.stop();

  await client.drain(sent, 2 * sizes.settleMs);
  client.destroy();
  return {
    echoSent: sent,
    echoGrowthMiB: (peakBytes - before) / MiB,
    echoed: client.received.messages,
    echoCloseCode: client.closeCode,
  };
}

/** One message and its echo, so that the room object exists before memory is read. */
async function warmUp(url: string): Promise<void> {
  const client = await TcpClient.open(url);
  await client.send(Buffer.from("warm-up"));
  await client.drain(1, 5000);
  if (client.received.messages !== 1) throw new Error("The warm-up message was not echoed");
  client.destroy();
  await sleep(100);
}
