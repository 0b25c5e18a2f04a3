/**
 * `pnpm build`: the `roster` package's JavaScript, in packages/tui/dist.
 *
 * esbuild bundles the CLI, the TUI and the daemon with every dependency into
 * ES modules split at each dynamic import, so a command loads only its own
 * chunks (`roster --version` and `roster members list` load no Ink, React or
 * PGlite). The package therefore has no runtime dependencies: it installs
 * offline from its tarball. PGlite finds its WASM and data files next to the
 * chunk that loads it (`new URL("./pglite.wasm", import.meta.url)`), so they
 * are copied there, and so is the daemon's data-directory template (made
 * first if the one in the daemon's sources is not current: a first start
 * copies it instead of running initdb); the licences of everything bundled
 * go in dist/THIRD-PARTY-LICENSES.txt.
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePgdataTemplate, TEMPLATE_FILE } from "@roster/daemon/template";
import { thirdPartyLicenses } from "./licenses.ts";

export const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(PKG, "dist");

/**
 * Optional dependencies of bundled packages that are not installed: each is
 * required inside a try/catch (ws: bufferutil, utf-8-validate; pg: pg-native;
 * Ink: react-devtools-core, only with DEV=true), so they stay external.
 */
const OPTIONAL = ["bufferutil", "utf-8-validate", "pg-native", "react-devtools-core"];

/** PGlite's files, loaded relative to its module. */
const PGLITE_ASSETS = ["pglite.wasm", "pglite.data", "initdb.wasm"];

/**
 * zod's `z` namespace carries every locale's error messages (half of zod's
 * size, parsed by every command); Roster uses only English (zod's default),
 * so `z.locales` holds `en` alone in the bundle.
 */
const zodEnglishOnly: Plugin = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), "../locales/en.js"), namespace: "zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

// CommonJS modules inside an ES module bundle still call require() for Node's
// built-ins, and some read __dirname / __filename.
const BANNER = [
  'import { createRequire as __rosterRequire } from "node:module";',
  'import { fileURLToPath as __rosterPath } from "node:url";',
  "const require = __rosterRequire(import.meta.url);",
  "const __filename = __rosterPath(import.meta.url);",
  'const __dirname = __rosterPath(new URL(".", import.meta.url));',
].join("\n");

/** Build into `outDir` (emptied first); returns esbuild's metafile (also written to meta.json). */
export async function buildRoster(outDir = DIST): Promise<Metafile> {
  rmSync(outDir, { recursive: true, force: true });
  const template = await ensurePgdataTemplate();
  const result = await build({
    absWorkingDir: PKG,
    entryPoints: { bin: "src/bin.ts", index: "src/index.ts" },
    outdir: outDir,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // React's production build; nothing else in the bundle reads NODE_ENV.
    define: { "process.env.NODE_ENV": '"production"' },
    external: OPTIONAL,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "none",
    banner: { js: BANNER },
    metafile: true,
    plugins: [zodEnglishOnly],
    logLevel: "warning",
  });
  const meta = result.metafile;
  checkExternals(meta);
  copyPgliteAssets(meta);
  copyBesideUser(meta, TEMPLATE_FILE, template.file);
  writeFileSync(join(outDir, "THIRD-PARTY-LICENSES.txt"), thirdPartyLicenses(meta, PKG));
  writeFileSync(join(outDir, "meta.json"), JSON.stringify(meta));
  return meta;
}

/** Only Node's built-ins and the optional modules above may be left to run-time resolution. */
function checkExternals(meta: Metafile): void {
  const builtins = new Set(builtinModules);
  const bad = new Set<string>();
  for (const out of Object.values(meta.outputs)) {
    for (const imp of out.imports) {
      if (!imp.external) continue;
      const name = imp.path.replace(/^node:/, "");
      if (
        !builtins.has(name) &&
        !builtins.has(name.split("/")[0] ?? "") &&
        !OPTIONAL.includes(imp.path)
      )
        bad.add(imp.path);
    }
  }
  if (bad.size > 0) throw new Error(`unbundled imports in the build: ${[...bad].join(", ")}`);
}

/** Put PGlite's files beside every chunk that holds PGlite's loader. */
function copyPgliteAssets(meta: Metafile): void {
  const require = createRequire(join(PKG, "../daemon/package.json"));
  const pgliteDist = dirname(require.resolve("@electric-sql/pglite"));
  let copied = 0;
  for (const [file, out] of Object.entries(meta.outputs)) {
    if (!Object.keys(out.inputs).some((i) => i.includes("@electric-sql/pglite/"))) continue;
    const text = readFileSync(join(PKG, file), "utf8");
    for (const asset of PGLITE_ASSETS) {
      if (!text.includes(asset)) continue;
      const source = join(pgliteDist, asset);
      if (!existsSync(source)) throw new Error(`PGlite asset missing: ${source}`);
      copyFileSync(source, join(PKG, dirname(file), asset));
      copied++;
    }
  }
  if (copied < PGLITE_ASSETS.length)
    throw new Error(`found ${copied} of PGlite's ${PGLITE_ASSETS.length} files in the bundle`);
}

/** Copy `source` beside the one chunk that names `name` (it loads it relative to itself). */
function copyBesideUser(meta: Metafile, name: string, source: string): void {
  const users = Object.keys(meta.outputs).filter(
    (file) => file.endsWith(".js") && readFileSync(join(PKG, file), "utf8").includes(name),
  );
  if (users.length !== 1) throw new Error(`${users.length} chunks name ${name}, expected one`);
  copyFileSync(source, join(PKG, dirname(users[0]!), name));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const meta = await buildRoster();
  const files = Object.keys(meta.outputs).length;
  process.stdout.write(
    `built ${relative(process.cwd(), DIST) || "."}: ${files} files in ${Date.now() - started} ms\n`,
  );
}
