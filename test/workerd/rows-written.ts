/** The object's SQL storage, with a count of the rows its statements wrote (the unit storage is billed by). */
export function countingWrites(sql: SqlStorage): { sql: SqlStorage; rowsWritten: () => number } {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const counted = new Proxy(sql, {
    get(target, key) {
      if (key !== "exec") return Reflect.get(target, key, target) as unknown;
      return (query: string, ...bindings: unknown[]) => {
        const cursor = target.exec(query, ...bindings);
        cursors.push(cursor);
        return cursor;
      };
    },
  });
  return { sql: counted, rowsWritten: () => cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0) };
}
