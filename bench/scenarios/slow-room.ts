import type { Implementation } from "../clients.ts";
import { sleep } from "../clients.ts";
import { watchPeak } from "../peak-memory.ts";
import type { BenchServer } from "../server.ts";
import { TcpClient } from "../tcp-client.ts";

export interface SlowRoomSizes {
  /** Members that send (and read what the others send). */
  senders: number;
  messagesPerSender: number;
  payloadBytes: number;
  /** How long memory is still watched after the last send. */
  settleMs: number;
  /** A send the kernel has not taken within this long ends that sender's sending. */
  stallMs: number;
}

const MiB = 2 ** 20;

/**
 * A broadcast room in which one member never reads while the others send, each message going to
 * every member but its sender. Measured in a fresh workerd: how far its resident memory rose (the
 * peak over the sending and the settling after it), then, the non-reader reading at last, how many
 * messages it had been sent before the server closed it, its close code (0: still open), and how
 * many of the senders (who read) the server closed.
 */
export async function slowRoom(server: BenchServer, implementation: Implementation, sizes: SlowRoomSizes) {
  const url = `${server.wsUrl}/${implementation}/broadcast/slow-reader`;
  const nonReader = await TcpClient.open(url);
  const senders = await Promise.all(Array.from({ length: sizes.senders }, () => TcpClient.open(url)));
  await warmUp(senders, nonReader);
  nonReader.pause();
  await sleep(100);
  const alreadyRead = nonReader.received.messages;

  const before = server.residentBytes();
  const peak = watchPeak(() => server.residentBytes());
  const payload = Buffer.alloc(sizes.payloadBytes, "x");
  const sent = await Promise.all(
    senders.map((sender) => sender.sendCopies(payload, sizes.messagesPerSender, sizes.stallMs)),
  );
  await sleep(sizes.settleMs);
  const peakBytes = peak.stop();

  const total = sent.reduce((sum, n) => sum + n, 0);
  await nonReader.drain(alreadyRead + total, 2 * sizes.settleMs);
  const sendersClosed = senders.filter((sender) => sender.closeCode !== 0).length;
  for (const client of [nonReader, ...senders]) client.destroy();
  return {
    roomSent: total,
    roomGrowthMiB: (peakBytes - before) / MiB,
    roomDelivered: nonReader.received.messages - alreadyRead,
    roomCloseCode: nonReader.closeCode,
    roomSendersClosed: sendersClosed,
  };
}

/**
 * Broadcasts one short message at a time until every member has read one, so that all are in the
 * room before memory is read; none is still on its way once it returns.
 */
async function warmUp(senders: readonly TcpClient[], nonReader: TcpClient): Promise<void> {
  const [first, ...others] = senders;
  if (first === undefined) throw new Error("The room needs at least one sender");
  const everyoneRead = (): boolean => [nonReader, ...others].every((client) => client.received.messages > 0);
  for (let attempt = 0; !everyoneRead(); attempt++) {
    if (attempt === 50) throw new Error("Not every member of the room received the warm-up broadcast");
    await first.send(Buffer.from("warm-up"));
    await sleep(100);
  }
}
