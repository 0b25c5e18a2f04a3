/**
 * Roster benchmarks. Every figure is printed with its ratio to a baseline
 * measured in the same run on the same machine (the first row of each
 * group), so runs on different machines compare. Record results in
 * bench/RESULTS.md.
 *
 *   pnpm bench               # every group
 *   pnpm bench http fanout   # some groups
 */
import { fanoutBench } from "./fanout-bench.ts";
import { httpBench } from "./http-bench.ts";
import { tuiBench } from "./tui-bench.ts";
import type { Row } from "./row.ts";

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const groups: Record<string, () => Promise<Row[]>> = {
  http: () => httpBench({ members: env("BENCH_MEMBERS", 300), seconds: env("BENCH_SECONDS", 5) }),
  fanout: () => fanoutBench({ sessions: [1, 10, 50], mutations: env("BENCH_MUTATIONS", 40) }),
  tui: () => tuiBench({ sizes: [100, 1_000, 10_000], presses: env("BENCH_PRESSES", 30) }),
};

function print(group: string, rows: Row[]) {
  const base = rows[0]!;
  console.log(`\n## ${group} (baseline: ${base.name})\n`);
  console.log("| measurement | value | unit | p99 ms | ratio to baseline |");
  console.log("|---|---:|---|---:|---:|");
  for (const r of rows) {
    const p = r.p99ms === undefined ? "" : r.p99ms.toFixed(1);
    console.log(
      `| ${r.name} | ${r.value.toFixed(1)} | ${r.unit} | ${p} | ${(r.value / base.value).toFixed(2)} |`,
    );
  }
}

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(groups)) {
  if (wanted.length && !wanted.includes(name)) continue;
  print(name, await run());
}
process.exit(0);
