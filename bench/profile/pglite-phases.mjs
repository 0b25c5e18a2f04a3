/**
 * Where PGlite's own start goes (plain node): importing the module,
 * compiling its WASM (measured alone, as PGlite.create compiles it again),
 * PGlite.create on the data directory, the first query, close.
 *
 *   node pglite-phases.mjs <data dir>      → one JSON line, ms
 */
const t0 = performance.now(); // nothing imported yet (imports are dynamic, below)
const { PGlite } = await import("@electric-sql/pglite");
const t1 = performance.now();
const { readFileSync } = await import("node:fs");
const { findPgdata } = await import("../baselines/pglite-dir.mjs");
const [dataDir] = process.argv.slice(2);
const wasm = readFileSync(new URL("./pglite.wasm", import.meta.resolve("@electric-sql/pglite")));
const t2 = performance.now();
await WebAssembly.compile(wasm);
const t3 = performance.now();
const db = await PGlite.create({ dataDir: findPgdata(dataDir) });
const t4 = performance.now();
await db.query("select 1");
const t5 = performance.now();
await db.close();
const t6 = performance.now();
process.stdout.write(
  JSON.stringify({
    nodeStartMs: t0,
    importMs: t1 - t0,
    compileMs: t3 - t2,
    createMs: t4 - t3,
    firstQueryMs: t5 - t4,
    closeMs: t6 - t5,
  }) + "\n",
);
