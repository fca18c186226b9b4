// Copies the browser libraries from node_modules (installed by `npm ci` from package-lock.json) into the
// served folder, as plain ES modules: no bundler. Bare specifiers ("preact") become relative paths, since an
// import map would be an inline script, which the Content-Security-Policy refuses.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "src/uptick_web/static/vendor");
const files = {
  "preact.mjs": "preact/dist/preact.mjs",
  "hooks.mjs": "preact/hooks/dist/hooks.mjs",
  "htm.mjs": "htm/dist/htm.mjs",
  "uPlot.mjs": "uplot/dist/uPlot.esm.js",
  "uPlot.css": "uplot/dist/uPlot.min.css",
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [name, source] of Object.entries(files)) {
  const text = readFileSync(join(here, "node_modules", source), "utf8");
  writeFileSync(join(out, name), text.replaceAll('from"preact"', 'from"./preact.mjs"')
    .replace(/\n\/\/# sourceMappingURL=.*$/, "\n"));
}
const versions = Object.fromEntries(["preact", "htm", "uplot"].map((name) => [
  name, JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version]));
writeFileSync(join(out, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
for (const name of Object.keys(versions)) {
  copyFileSync(join(here, "node_modules", name, "LICENSE"), join(out, `${name}.LICENSE`));
}
console.log(`vendored ${Object.keys(files).length} files into ${out}`);
