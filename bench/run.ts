/**
 * `pnpm bench`: every row of SPEC §8, each as a ratio against its baseline
 * measured in the same run on the same machine, printed beside its budget
 * (a Markdown table on stdout; progress on stderr).
 *
 *   pnpm bench                         all rows (a few minutes; the first run seeds ~1 min more)
 *   pnpm bench --quick                 a smoke run: small org, short runs
 *   pnpm bench --only lists,invites    some rows: lists invites fanout restart cli first-start
 *   pnpm bench --reseed                rebuild the cached seed data
 *   pnpm bench --keep                  keep the scratch directory (daemon logs, captures)
 *   pnpm bench --profile               why: CPU profiles, PGlite statement timings, start-up
 *                                      and memory breakdowns (bench/profile/), as Markdown
 *   pnpm bench tui                     the TUI rendering bench (packages/tui)
 *
 * Which daemon and CLI run is set in bench/targets.ts.
 */
import { parseArgs } from "node:util";
import { ROWS, runBench, type RowName } from "./bench.ts";
import { renderTable } from "./lib/report.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean" },
    smoke: { type: "boolean" },
    only: { type: "string" },
    reseed: { type: "boolean" },
    keep: { type: "boolean" },
    profile: { type: "boolean" },
  },
});

if (positionals[0] === "tui") {
  const { tuiBench } = await import("./tui-bench.ts");
  const rows = await tuiBench({ sizes: [100, 1_000, 10_000], presses: 30 });
  const base = rows[0]!;
  console.log(
    "| measurement | value | unit | p99 ms | ratio to baseline |\n|---|---:|---|---:|---:|",
  );
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.value.toFixed(1)} | ${r.unit} | ${r.p99ms?.toFixed(1) ?? ""} | ${(r.value / base.value).toFixed(2)} |`,
    );
  process.exit(0);
}

const config = values.smoke ? "smoke" : values.quick ? "quick" : "full";
if (values.profile) {
  const { runProfiles } = await import("./profile/profile.ts");
  await runProfiles({ config, keep: values.keep });
  process.exit(0);
}

const rows = values.only?.split(",").map((s) => s.trim()) ?? [];
const unknown = rows.filter((r) => !(ROWS as readonly string[]).includes(r));
if (unknown.length) {
  console.error(`unknown row(s) ${unknown.join(", ")}; rows: ${ROWS.join(" ")}`);
  process.exit(2);
}
const run = await runBench({
  config,
  rows: rows as RowName[],
  reseed: values.reseed,
  keep: values.keep,
});
if (values.keep) console.error(`scratch directory kept: ${run.ctx.work}`);
console.log(`\n${run.header.join("\n")}\n\n${renderTable(run.results)}`);
process.exit(0);
