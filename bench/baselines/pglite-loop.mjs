/**
 * Baseline for the invitation-rate row: PGlite alone (plain node) running,
 * for each invitation, the statements the daemon ran for one (captured from
 * it, with fresh ids), one transaction each, one after the other.
 *
 *   node pglite-loop.mjs <data dir> <plan.json>
 *   node --import tsx pglite-loop.mjs <data dir> <plan.json> --durable
 *
 * With --durable, PGlite is opened as the daemon opens it (@roster/daemon/
 * pglite-open: its durable file layer, fsync at every commit, its start
 * parameters) instead of with PGlite's defaults (no fsync reaches the disk):
 * what the database's own required work costs, without the rest of Roster.
 *   plan.json: { warmup: Invitation[], measured: Invitation[] }, where an
 *   Invitation is a list of transactions, a transaction a list of
 *   { text, params } (params as bench/capture/statements.ts encodes them).
 * Prints one JSON line: { n, ms, perS, p50, p99 }.
 */
import { readFileSync } from "node:fs";
import { findPgdata, openPglite } from "./pglite-dir.mjs";

const [dataDir, planFile, flag] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, "utf8"), (_k, v) => {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    if ("$date" in v) return new Date(v.$date);
    if ("$bytes" in v) return new Uint8Array(Buffer.from(v.$bytes, "base64"));
    if ("$bigint" in v) return BigInt(v.$bigint);
  }
  return v;
});
const db =
  flag === "--durable"
    ? (await (await import("@roster/daemon/pglite-open")).openPgliteInstance(findPgdata(dataDir)))
        .db
    : await openPglite(findPgdata(dataDir));

async function invitation(txs) {
  for (const statements of txs) {
    await db.transaction(async (tx) => {
      for (const s of statements) {
        try {
          await tx.query(s.text, s.params);
        } catch (e) {
          process.stderr.write(`pglite-loop: ${e.message}\n  in: ${s.text}\n`);
          process.exit(1);
        }
      }
    });
  }
}

for (const inv of plan.warmup) await invitation(inv);
const lat = [];
const t0 = performance.now();
for (const inv of plan.measured) {
  const t = performance.now();
  await invitation(inv);
  lat.push(performance.now() - t);
}
const ms = performance.now() - t0;
lat.sort((a, b) => a - b);
const at = (p) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)];
await db.close();
process.stdout.write(
  JSON.stringify({ n: lat.length, ms, perS: (lat.length / ms) * 1000, p50: at(50), p99: at(99) }) +
    "\n",
);
