/**
 * The bench as a function: every row of SPEC §8 (or the ones asked for),
 * each against its baseline measured in the same run on the same machine.
 * bench/run.ts is its command line; bench/bench.test.ts runs it in smoke mode.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIGS, scratch, type BenchConfig, type Ctx } from "./lib/context.ts";
import { startDaemon, type DaemonProc } from "./lib/daemon.ts";
import type { Result } from "./lib/report.ts";
import { copySeed, ensureSeed } from "./lib/seed.ts";
import { fanoutRows } from "./rows/fanout.ts";
import { cliRows } from "./rows/cli.ts";
import {
  captureInvitation,
  inviteRow,
  startRecording,
  type CaptureOutcome,
} from "./rows/invites.ts";
import { listRows, type ListsOutcome } from "./rows/lists.ts";
import { firstStartRows, memoryRows, restartRows } from "./rows/start.ts";
import { resolveTargets, type Targets } from "./targets.ts";

export const ROWS = ["lists", "invites", "fanout", "restart", "cli", "first-start"] as const;
export type RowName = (typeof ROWS)[number];

export interface BenchOptions {
  config: BenchConfig["name"];
  rows?: readonly RowName[];
  reseed?: boolean;
  /** Keep the scratch directory (logs, copies, captures). */
  keep?: boolean;
  targets?: Targets;
  log?: (line: string) => void;
}

export interface BenchRun {
  results: Result[];
  header: string[];
  ctx: Ctx;
}

export function machineLine(): string {
  const [l1, l5] = loadavg();
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, load average ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min), Node ${process.version}`;
}

export async function runBench(opts: BenchOptions): Promise<BenchRun> {
  const cfg = CONFIGS[opts.config];
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const want = new Set(opts.rows?.length ? opts.rows : ROWS);
  if (!cfg.firstStart && !opts.rows?.includes("first-start")) want.delete("first-start");
  const targets = opts.targets ?? resolveTargets();
  const header = [`Machine: ${machineLine()}.`, `Roster: ${targets.label}.`];
  if (!targets.installed)
    header.push(
      "As installed: no dist/roster-*.tgz yet (`pnpm run package`), so the start-up rows run the checkout's launchers; with a tarball they install it into a temporary prefix and run that `roster`.",
    );
  const t0 = performance.now();
  log(`seeding (cached per daemon source and size) …`);
  const { dir: seedDir, seed } = await ensureSeed(targets, cfg.seed, {
    rebuild: opts.reseed,
    log,
  });
  header.push(
    `Data: an org of ${seed.size.members} members and ${seed.size.pending} pending invitations, built through the API (setup, then invite → accept with the emailed link, 8 in flight)` +
      (seed.builtInS
        ? `; seeding took ${seed.builtInS.toFixed(0)} s once and is cached at ${seedDir}.`
        : "."),
  );
  const work = mkdtempSync(join(tmpdir(), "roster-bench-run-"));
  const ctx: Ctx = { cfg, targets, seed, seedDir, work, log };
  const results: Result[] = [];
  const step = async <T>(
    name: RowName,
    fn: () => Promise<T>,
    label: string = name,
  ): Promise<T | undefined> => {
    if (!want.has(name)) return undefined;
    log(`${label} …`);
    const s = performance.now();
    const r = await fn();
    log(`${label}: ${((performance.now() - s) / 1000).toFixed(0)} s`);
    return r;
  };
  try {
    let lists: ListsOutcome | undefined;
    if (["lists", "invites", "fanout", "cli"].some((r) => want.has(r as RowName))) {
      // One daemon for the rows that load it, in this order (lists first: fresh, and its
      // RSS after that load). It starts while the statement capture runs (neither is
      // timed); in smoke mode it is the recording daemon itself.
      let d: DaemonProc;
      let capture: CaptureOutcome | undefined;
      if (cfg.name === "smoke") {
        const recording = await startRecording(ctx);
        d = recording.d;
        capture = await step("invites", () => captureInvitation(ctx, recording), "capture");
      } else {
        const main = copySeed(seedDir, join(scratch(ctx, "main"), "data"));
        [capture, d] = await Promise.all([
          step("invites", () => captureInvitation(ctx), "statement capture"),
          startDaemon(targets, main),
        ]);
      }
      try {
        lists = await step("lists", () => listRows(ctx, d));
        if (lists) results.push(...lists.results);
        const invites = await step("invites", () => inviteRow(ctx, d, capture!));
        if (invites) results.push(invites);
        results.push(...((await step("fanout", () => fanoutRows(ctx, d))) ?? []));
        results.push(...((await step("cli", () => cliRows(ctx, d))) ?? []));
      } finally {
        await d.stop();
      }
    }
    const restart = await step("restart", () => restartRows(ctx));
    if (restart) results.push(restart.result, ...memoryRows(restart, lists?.rssAfterLoad));
    results.push(...((await step("first-start", () => firstStartRows(ctx))) ?? []));
  } finally {
    // A daemon that has just exited may still be flushing into it: retry while not empty.
    if (!opts.keep) rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
  header.push(
    `Config: ${cfg.name}; the run took ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  );
  return { results, header, ctx };
}
