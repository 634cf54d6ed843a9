import type { ObjectCounts } from "./object-counts-shape.js";

/**
 * Counts what the object's storage calls will be billed for, by wrapping `ctx.storage`'s SQL, key-value
 * and alarm methods; call it before the library's constructor, which keeps references to them. A
 * cursor's `rowsRead` and `rowsWritten` grow as it is iterated, so they are read in a microtask after
 * `exec`: the library iterates every cursor synchronously, as the SQL API is synchronous.
 */
export function countStorage(storage: DurableObjectStorage, counts: ObjectCounts): void {
  const { sql, kv } = storage;
  const exec = sql.exec.bind(sql);
  sql.exec = ((query: string, ...bindings: unknown[]) => {
    const cursor = exec(query, ...bindings);
    counts.statements += 1;
    queueMicrotask(() => {
      counts.rowsRead += cursor.rowsRead;
      counts.rowsWritten += cursor.rowsWritten;
    });
    return cursor;
  }) as SqlStorage["exec"];

  const { get, put, delete: remove, list } = kv;
  kv.get = ((key: string) => {
    counts.kvGets += 1;
    return get.call(kv, key);
  }) as SyncKvStorage["get"];
  kv.put = (key, value) => {
    counts.kvPuts += 1;
    put.call(kv, key, value);
  };
  kv.delete = (key) => {
    counts.kvDeletes += 1;
    return remove.call(kv, key);
  };
  kv.list = function* (options) {
    for (const entry of list.call(kv, options)) {
      counts.kvListed += 1;
      yield entry;
    }
  } as SyncKvStorage["list"];

  const setAlarm = storage.setAlarm.bind(storage);
  storage.setAlarm = (time, options) => {
    counts.alarmsSet += 1;
    return setAlarm(time, options);
  };
}
