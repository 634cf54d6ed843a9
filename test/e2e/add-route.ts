/**
 * Adds a snippet such as docs/handlers.md's walk-through's
 *
 *     import { counter } from "./counter.js";
 *
 *     app.ws("/count/:room", counter, { roomObject: ... });
 *
 * to a Worker's source the way a person would: its imports after the last import, the rest right
 * after the last `app.ws(...)` statement. Throws when the source has no such places.
 */
export function addRoute(source: string, snippet: string): string {
  const snippetLines = snippet.trim().split("\n");
  const imports = snippetLines.filter((line) => line.startsWith("import "));
  const rest = trimBlankLines(snippetLines.filter((line) => !line.startsWith("import ")));

  const lines = source.split("\n");
  const lastRoute = lastIndexWhere(lines, (line) => line.startsWith("app.ws("));
  if (lastRoute === -1) throw new Error("The Worker's source has no app.ws( line to add the route after");
  const routeEnd = lines.findIndex((line, index) => index >= lastRoute && line.trimEnd().endsWith(");"));
  if (routeEnd === -1) throw new Error("The Worker's last app.ws( statement does not end with );");
  lines.splice(routeEnd + 1, 0, ...rest);

  const lastImport = lastIndexWhere(lines, (line) => line.startsWith("import "));
  if (lastImport === -1 && imports.length > 0)
    throw new Error("The Worker's source has no import line to add the imports after");
  lines.splice(lastImport + 1, 0, ...imports);
  return lines.join("\n");
}

function lastIndexWhere(lines: readonly string[], test: (line: string) => boolean): number {
  for (let index = lines.length - 1; index >= 0; index--) if (test(lines[index] ?? "")) return index;
  return -1;
}

function trimBlankLines(lines: readonly string[]): string[] {
  const start = lines.findIndex((line) => line.trim() !== "");
  if (start === -1) return [];
  return lines.slice(start, lastIndexWhere(lines, (line) => line.trim() !== "") + 1);
}
