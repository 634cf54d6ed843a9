import { closeAll, open, sleep } from "../clients.ts";
import { control, objectCounts } from "../control.ts";
import type { BenchServer } from "../server.ts";
import type { BenchSessionClient } from "../session-clients.ts";
import { acknowledgementsSent, closeSessionClients, openSessionClients } from "../session-clients.ts";
import type { Receiver } from "./broadcast.ts";
import { openMembers, warmUp } from "./broadcast.ts";

export interface StorageSizes {
  /** Members of the broadcast rooms (plain members, session clients). */
  members: number;
  /**
   * Messages per batch: fewer than the 32 after which a session client acknowledges, so that its 1 s
   * timer acknowledges each batch once, after all of it has arrived.
   */
  batch: number;
  batches: number;
}

/** What is measured, each per operation, in rows written and read as billed. */
export const STORAGE_OPERATIONS = [
  "broadcast",
  "broadcast-sessions",
  "ack-broadcasts",
  "inbound",
  "direct",
  "ack-direct",
  "close",
  "resume",
] as const;
export type StorageOperation = (typeof STORAGE_OPERATIONS)[number];

/**
 * Storage use as billed: SQL rows from the cursors, a key-value get or listed entry a row read, a put, delete or
 * setAlarm a row written.
 */
interface Billed {
  written: number;
  read: number;
  statements: number;
  /** Key-value and alarm calls among them. */
  calls: number;
}

/**
 * The room's storage use so far (all its objects'), once it has stopped changing (the object may still be handling what
 * the clients sent): read every 50 ms until two readings agree.
 */
async function settled(server: BenchServer, room: string): Promise<Billed> {
  let last = "";
  for (;;) {
    const c = await objectCounts(server, room);
    const billed: Billed = {
      written: c.rowsWritten + c.kvPuts + c.kvDeletes + c.alarmsSet,
      read: c.rowsRead + c.kvGets + c.kvListed,
      statements: c.statements,
      calls: c.kvGets + c.kvPuts + c.kvDeletes + c.kvListed + c.alarmsSet,
    };
    if (JSON.stringify(billed) === last) return billed;
    last = JSON.stringify(billed);
    await sleep(50);
  }
}

const minus = (a: Billed, b: Billed): Billed => ({
  written: a.written - b.written,
  read: a.read - b.read,
  statements: a.statements - b.statements,
  calls: a.calls - b.calls,
});

/** Adds up each operation's storage use and how many times it ran. */
class Tally {
  readonly #sums = new Map<StorageOperation, { use: Billed; times: number }>();

  add(operation: StorageOperation, use: Billed, times: number): void {
    const sum = this.#sums.get(operation) ?? { use: { written: 0, read: 0, statements: 0, calls: 0 }, times: 0 };
    this.#sums.set(operation, {
      use: {
        written: sum.use.written + use.written,
        read: sum.use.read + use.read,
        statements: sum.use.statements + use.statements,
        calls: sum.use.calls + use.calls,
      },
      times: sum.times + times,
    });
  }

  /** Per operation: `<operation>.written`, `.read`, `.statements` and `.calls`, each per time it ran. */
  perOperation(): Record<string, number> {
    const measurement: Record<string, number> = {};
    for (const [operation, { use, times }] of this.#sums) {
      for (const [key, value] of Object.entries(use)) measurement[`${operation}.${key}`] = value / times;
    }
    return measurement;
  }
}

/** Waits until `done()`, checking every 10 ms; fails after `timeoutMs`. */
async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = performance.now() + timeoutMs; !done(); await sleep(10)) {
    if (performance.now() > deadline) throw new Error(`storage: ${what} did not happen within ${timeoutMs} ms`);
  }
}

/** Counts the texts starting with `prefix` that each receiver gets, until stopped. */
function countTexts(receivers: readonly Receiver[], prefix: string) {
  const counts = receivers.map(() => 0);
  const stops = receivers.map((receiver, i) =>
    receiver.onText((text) => {
      if (text.startsWith(prefix)) counts[i] = (counts[i] as number) + 1;
    }),
  );
  return { every: (n: number) => counts.every((c) => c >= n), stop: () => stops.forEach((stop) => stop()) };
}

let runs = 0;

/**
 * Rows ours' room object writes and reads per operation, counted by the bench's room object subclass
 * around the storage API (bench/worker/storage-count.ts), in three rooms of fresh objects:
 * - `/ours/broadcast-history/:room` with plain members: a broadcast from a member (appended to the log);
 * - `/ours/session/:room` with session clients: a broadcast from Worker code (one RPC each), the
 *   acknowledgement each client sends 1 s after a batch, then a simulated deploy (every socket closed
 *   with 1012) and each client's resume;
 * - `/ours/session-direct/:room` with one session client: a message it sends that the handler answers
 *   with nothing (`inbound`), then one answered with a batch of direct messages (`direct`: per message,
 *   the inbound message measured before taken off), and the acknowledgement of that batch.
 */
export async function storageRows(server: BenchServer, sizes: StorageSizes) {
  const run = ++runs;
  const tally = new Tally();
  await plainBroadcasts(server, `rows-${run}-plain`, sizes, tally);
  await sessionBroadcasts(server, `rows-${run}-sessions`, sizes, tally);
  await directMessages(server, `rows-${run}-direct`, sizes, tally);
  return { ...tally.perOperation(), acknowledgedPerAck: sizes.batch };
}

async function plainBroadcasts(server: BenchServer, room: string, sizes: StorageSizes, tally: Tally): Promise<void> {
  const { url, receivers, close } = await openMembers(server, "ours", "history", sizes.members, room);
  const sender = await open(url);
  try {
    await warmUp(sender, receivers);
    for (let b = 0; b < sizes.batches; b++) {
      const before = await settled(server, room);
      const texts = countTexts(receivers, `p${b}|`);
      for (let i = 0; i < sizes.batch; i++) sender.send(`p${b}|${i}`);
      await until(() => texts.every(sizes.batch), "a batch of broadcasts reaching every member");
      texts.stop();
      tally.add("broadcast", minus(await settled(server, room), before), sizes.batch);
    }
  } finally {
    await closeAll([sender]);
    await close();
  }
}

/** Session clients' first reconnect wait: 1.5–3 s, so that the close is over before any resume starts. */
const RESUME_BACKOFF = { firstMs: 3000 };

async function sessionBroadcasts(server: BenchServer, room: string, sizes: StorageSizes, tally: Tally): Promise<void> {
  const clients = await openSessionClients(`${server.wsUrl}/ours/session/${room}`, sizes.members, RESUME_BACKOFF);
  const receivers = clients.map(({ client }): Receiver => ({
    onText: (listener) => client.on("message", ({ data }) => listener(String(data))),
  }));
  try {
    const warm = countTexts(receivers, "warm-up|");
    await control(server, "POST", `broadcast/${room}?tag=warm-up`);
    await until(() => warm.every(1), "the warm-up broadcast reaching every session client");
    warm.stop();
    await until(
      () => clients.every(({ sent }) => sent.acknowledgements > 0),
      "every session client acknowledging the warm-up",
    );
    for (let b = 0; b < sizes.batches; b++) {
      const before = await settled(server, room);
      const texts = countTexts(receivers, `s${b}|`);
      const acknowledgementsBefore = acknowledgementsSent(clients);
      await control(server, "POST", `broadcast/${room}?count=${sizes.batch}&tag=s${b}`);
      await until(() => texts.every(sizes.batch), "a batch of broadcasts reaching every session client");
      texts.stop();
      const delivered = await settled(server, room);
      tally.add("broadcast-sessions", minus(delivered, before), sizes.batch);
      await until(
        () => acknowledgementsSent(clients) >= acknowledgementsBefore + clients.length,
        "every session client acknowledging a batch",
      );
      tally.add(
        "ack-broadcasts",
        minus(await settled(server, room), delivered),
        acknowledgementsSent(clients) - acknowledgementsBefore,
      );
    }
    await deployAndResume(server, room, clients, tally);
  } finally {
    await closeSessionClients(clients);
  }
}

async function deployAndResume(
  server: BenchServer,
  room: string,
  clients: readonly BenchSessionClient[],
  tally: Tally,
): Promise<void> {
  const before = await settled(server, room);
  const welcomes = clients.map(({ welcomes: w }) => w.length);
  await control(server, "POST", `deploy/${room}`);
  // The closes are over well before the first client reconnects (after 1.5 s at the earliest).
  await sleep(1000);
  const closed = await settled(server, room);
  tally.add("close", minus(closed, before), clients.length);
  await until(
    () => clients.every(({ welcomes: w }, i) => w.length > (welcomes[i] as number)),
    "every session client resuming",
    15_000,
  );
  const lost = clients.filter(({ welcomes: w }) => w.at(-1)?.recovered !== true).length;
  if (lost > 0) throw new Error(`storage: ${lost} of ${clients.length} session clients did not recover their session`);
  tally.add("resume", minus(await settled(server, room), closed), clients.length);
}

async function directMessages(server: BenchServer, room: string, sizes: StorageSizes, tally: Tally): Promise<void> {
  const [session] = await openSessionClients(`${server.wsUrl}/ours/session-direct/${room}`, 1);
  const { client, sent } = session as BenchSessionClient;
  let received = 0;
  const stop = client.on("message", () => void (received += 1));
  try {
    for (let b = 0; b < sizes.batches; b++) {
      const before = await settled(server, room);
      // The server acknowledges a session client's message once its handler has it.
      await new Promise<void>((resolve) => {
        const id = client.send("0");
        const stopWaiting = client.on("acknowledged", (which) => {
          if (which !== id) return;
          stopWaiting();
          resolve();
        });
      });
      const inbound = minus(await settled(server, room), before);
      tally.add("inbound", inbound, 1);

      const receivedBefore = received;
      const acknowledgementsBefore = sent.acknowledgements;
      const start = await settled(server, room);
      client.send(String(sizes.batch));
      await until(() => received === receivedBefore + sizes.batch, "a batch of direct messages arriving");
      const delivered = await settled(server, room);
      tally.add("direct", minus(minus(delivered, start), inbound), sizes.batch);
      await until(() => sent.acknowledgements > acknowledgementsBefore, "the session client acknowledging a batch");
      tally.add(
        "ack-direct",
        minus(await settled(server, room), delivered),
        sent.acknowledgements - acknowledgementsBefore,
      );
    }
  } finally {
    stop();
    await closeSessionClients([session as BenchSessionClient]);
  }
}
