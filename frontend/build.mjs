// Copies the declared built files of the locked npm packages into api/static/vendor/, where
// the API serves them (/static/vendor/...) and the Python package ships them; then bundles the
// workbench (ui/, plain ES modules with sigma, graphology, topojson-client, d3-geo) with esbuild
// into api/static/ui/ (served at /ui/assets/... by api/ui, decision 079).
//
// Run with `npm ci && npm run build` in this folder. The output folder is emptied first and is
// git-ignored: it is always made from package-lock.json, never edited by hand. A file listed
// here that the installed package lacks, an installed version other than package.json's pin, or
// a rewrite whose text is not found exactly once, fails the build.

import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "api", "static", "vendor");
const uiOut = join(here, "..", "api", "static", "ui");

// A 1x1 transparent GIF: an image that needs no request.
const BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

// package -> { destination folder under vendor/, files to copy (path in the package),
//              rewrites: [{ file, from, to, why }] applied to the copied file }
const VENDOR = {
  "swagger-ui-dist": {
    dest: "swagger-ui",
    files: [
      "swagger-ui-bundle.js",
      "swagger-ui-bundle.js.LICENSE.txt",
      "swagger-ui.css",
      "favicon-32x32.png",
      "LICENSE",
      "NOTICE",
    ],
  },
  redoc: {
    dest: "redoc",
    files: ["bundles/redoc.standalone.js", "bundles/redoc.standalone.js.LICENSE.txt", "LICENSE"],
    rewrites: [
      {
        file: "redoc.standalone.js",
        from: "https://cdn.redoc.ly/redoc/logo-mini.svg",
        to: BLANK_IMAGE,
        why: "the sidebar's 'API docs by Redocly' logo loads from Redocly's CDN, with no option "
          + "to turn it off (Redocly/redoc#2108); the link stays, the image is blank",
      },
    ],
  },
};

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function rewrite(path, { from, to }) {
  const text = readFileSync(path, "utf8");
  const found = text.split(from).length - 1;
  if (found !== 1) {
    throw new Error(`${path}: expected "${from}" once, found it ${found} times: check the rewrite`);
  }
  writeFileSync(path, text.replace(from, () => to));
}

const { dependencies: pins, devDependencies: devPins } = readJson(join(here, "package.json"));
const UI_PACKAGES = [
  "sigma",
  "graphology",
  "graphology-components",
  "graphology-layout-forceatlas2",
  "topojson-client",
  "d3-geo",
];

function checkPin(name, pinned) {
  const { version } = readJson(join(here, "node_modules", name, "package.json"));
  if (version !== pinned) {
    throw new Error(`${name} ${version} is installed, package.json pins ${pinned}: run npm ci`);
  }
  return version;
}

// The workbench: one ES-module bundle and one stylesheet, no source maps, no eval, nothing
// fetched at run time but the API's own URLs (the strict CSP of /ui/ allows nothing else).
async function buildUi() {
  rmSync(uiOut, { recursive: true, force: true });
  const versions = { esbuild: checkPin("esbuild", devPins.esbuild) };
  for (const name of UI_PACKAGES) {
    versions[name] = checkPin(name, pins[name]);
  }
  const result = await build({
    entryPoints: { app: join(here, "ui", "main.js"), "app-style": join(here, "ui", "app.css") },
    outdir: uiOut,
    bundle: true,
    format: "esm",
    target: ["es2020"],
    minify: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  // The bundled packages' licences, in one file beside the bundle.
  const licences = UI_PACKAGES.map((name) => {
    const folder = join(here, "node_modules", name);
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt"].find((f) => existsSync(join(folder, f)));
    if (!file) throw new Error(`${name}: no LICENSE file to ship with the bundle`);
    return `${name} ${versions[name]}\n\n${readFileSync(join(folder, file), "utf8").trim()}\n`;
  });
  writeFileSync(join(uiOut, "THIRD-PARTY-LICENSES.txt"), licences.join("\n" + "-".repeat(72) + "\n\n"));
  const built = Object.keys(result.metafile.outputs).map((path) => path.split("/").pop());
  const files = [...built, "THIRD-PARTY-LICENSES.txt"].sort();
  const manifest = { versions, files };
  writeFileSync(join(uiOut, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

const workbench = await buildUi();
rmSync(out, { recursive: true, force: true });
const manifest = {};
for (const [name, { dest, files, rewrites = [] }] of Object.entries(VENDOR)) {
  const source = join(here, "node_modules", name);
  const { version } = readJson(join(source, "package.json"));
  if (version !== pins[name]) {
    throw new Error(`${name} ${version} is installed, package.json pins ${pins[name]}: run npm ci`);
  }
  mkdirSync(join(out, dest), { recursive: true });
  const copied = [];
  for (const file of files) {
    const target = file.split("/").pop();
    copyFileSync(join(source, file), join(out, dest, target));
    copied.push(`${dest}/${target}`);
  }
  for (const change of rewrites) {
    rewrite(join(out, dest, change.file), change);
  }
  manifest[name] = {
    version,
    files: copied,
    rewrites: rewrites.map(({ file, from, why }) => ({ file: `${dest}/${file}`, from, why })),
  };
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`front-end assets -> ${out}`);
for (const [name, { version, files }] of Object.entries(manifest)) {
  console.log(`  ${name} ${version}: ${files.join(", ")}`);
}
console.log(`workbench -> ${uiOut}: ${workbench.files.join(", ")}`);
