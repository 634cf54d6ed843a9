/**
 * Adds the columns a table made by an earlier version of the library lacks (a room object's storage
 * outlives deploys). Each is added with its declaration, which must allow the rows already there (a
 * default, or NULL).
 */
export function addMissingColumns(sql: SqlStorage, table: string, columns: Readonly<Record<string, string>>): void {
  const present = new Set(
    sql
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .map(({ name }) => name),
  );
  for (const [name, declaration] of Object.entries(columns)) {
    if (!present.has(name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${declaration}`);
  }
}
