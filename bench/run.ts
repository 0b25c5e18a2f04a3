/**
 * Roster benchmarks. Every figure is printed as a ratio against a baseline
 * measured in the same run, on the same machine, so that numbers from
 * different machines can be compared. Results go in bench/RESULTS.md by hand.
 *
 *   pnpm bench               # all
 *   pnpm bench http          # one group
 */
import { httpBench, type Row } from "./http-bench.ts";

const groups: Record<string, () => Promise<Row[]>> = {
  http: () =>
    httpBench({
      members: Number(process.env.BENCH_MEMBERS ?? 300),
      seconds: Number(process.env.BENCH_SECONDS ?? 5),
    }),
};

function print(group: string, rows: Row[]) {
  const base = rows[0]!;
  console.log(`\n## ${group} (baseline: ${base.name})\n`);
  console.log("| measurement | ops/s | p99 ms | ratio to baseline |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p99ms.toFixed(1)} | ${(r.rps / base.rps).toFixed(2)} |`,
    );
  }
}

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(name)) continue;
  print(name, await run());
}
process.exit(0);
