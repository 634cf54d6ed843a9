import type { Implementation } from "../clients.ts";
import { closeAll, openMany, sleep } from "../clients.ts";
import type { BenchServer } from "../server.ts";

export interface IdleSizes {
  connections: number;
  /** How long the connections sit idle before the memory is read. */
  settleMs: number;
}

/**
 * Resident memory that idle connections add to a fresh workerd, per 1,000 connections. The server
 * must be fresh: memory a process once took is not reliably given back.
 */
export async function idle(server: BenchServer, implementation: Implementation, sizes: IdleSizes) {
  const url = `${server.wsUrl}/${implementation}/broadcast/idle`;
  await closeAll(await openMany(url, 1));
  await sleep(sizes.settleMs);
  const before = server.residentBytes();
  const sockets = await openMany(url, sizes.connections);
  await sleep(sizes.settleMs);
  const after = server.residentBytes();
  await closeAll(sockets);
  return {
    connections: sizes.connections,
    mebibytesPer1000: (((after - before) / sizes.connections) * 1000) / 2 ** 20,
  };
}
