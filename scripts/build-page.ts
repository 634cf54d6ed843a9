/**
 * `npm run build:page` (wrangler runs it before it serves or deploys): the chat page of examples/page/ into
 * dist/page, the files the Worker serves as static assets. The page's script and styles are bundled; its
 * HTML and icon are copied as they are.
 */
import { build } from "esbuild";

const PAGE = "examples/page";

await build({
  entryPoints: [`${PAGE}/index.html`, `${PAGE}/icon.svg`, `${PAGE}/styles.css`, `${PAGE}/main.ts`],
  outdir: "dist/page",
  bundle: true,
  format: "esm",
  target: "es2022",
  sourcemap: true,
  loader: { ".html": "copy", ".svg": "copy" },
  logLevel: "warning",
});
