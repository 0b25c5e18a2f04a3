/**
 * Start and memory: the daemon restarted on an existing data directory
 * until `/health` passes, against a process that opens PGlite on the same
 * directory alone and answers /health (bench/baselines/pglite-open.mjs,
 * plain node); each one's RSS once idle (the process and its children, e.g.
 * tsx's esbuild). Restarts alternate with PGlite opens. The first start on
 * an empty directory (initdb) is measured the same way, for the record.
 */
import { join } from "node:path";
import { scratch, startBaseline, type Ctx, type Server } from "../lib/context.ts";
import { startDaemon, type DaemonProc } from "../lib/daemon.ts";
import { peakRssMB, rssTreeMB, waitQuiet } from "../lib/proc.ts";
import type { Result } from "../lib/report.ts";
import { copySeed } from "../lib/seed.ts";
import { fmt, median, minMedian } from "../lib/stats.ts";

interface Sample {
  startMs: number;
  rss: number;
  own: number;
  children: number;
  peak: number;
}

async function sample(p: DaemonProc | Server, pid: number, quietMs: number): Promise<Sample> {
  await waitQuiet(pid, { windowMs: quietMs, busyPct: 3 });
  const rss = rssTreeMB(pid);
  const s = { startMs: p.startMs, rss: rss.total, ...rss, peak: peakRssMB(pid) };
  await p.stop();
  return s;
}

const daemonSample = async (ctx: Ctx, dataDir: string) => {
  const d = await startDaemon(ctx.targets, dataDir);
  return sample(d, d.pid, ctx.cfg.quietMs);
};

const pgliteSample = async (ctx: Ctx, dataDir: string) => {
  const b = await startBaseline(ctx, "pglite-open.mjs", (port) => [dataDir, String(port)]);
  return sample(b, b.proc.pid, ctx.cfg.quietMs);
};

export interface StartOutcome {
  result: Result;
  daemon: Sample[];
  pglite: Sample[];
}

export async function restartRows(ctx: Ctx): Promise<StartOutcome> {
  const dataDir = copySeed(ctx.seedDir, join(scratch(ctx, "restart"), "data"));
  if (ctx.cfg.warmups) {
    // Unmeasured: fill the OS file cache for both (modules, WASM, the data directory).
    await daemonSample(ctx, dataDir);
    await pgliteSample(ctx, dataDir);
  }
  const daemon: Sample[] = [];
  const pglite: Sample[] = [];
  for (let r = 0; r < ctx.cfg.restart.reps; r++) {
    if (r % 2 === 0) {
      daemon.push(await daemonSample(ctx, dataDir));
      pglite.push(await pgliteSample(ctx, dataDir));
    } else {
      pglite.push(await pgliteSample(ctx, dataDir));
      daemon.push(await daemonSample(ctx, dataDir));
    }
  }
  const ms = (xs: Sample[]) => xs.map((x) => x.startMs);
  return {
    daemon,
    pglite,
    result: {
      row: "daemon restart on an existing data dir → `/health` passes",
      roster: `${fmt(median(ms(daemon)))} ms`,
      baseline: `${fmt(median(ms(pglite)))} ms`,
      value: median(ms(daemon)),
      base: median(ms(pglite)),
      budget: { kind: "max-ratio", value: 1.5 },
      notes: [
        `${daemon.length} restarts per side, alternating, ${ctx.cfg.warmups ? "after one unmeasured start each" : "no warm-up"}; ms min / median: ` +
          `daemon ${minMedian(ms(daemon))}, PGlite alone ${minMedian(ms(pglite))}; /health polled every 10 ms from spawn()`,
        `daemon: ${ctx.targets.daemon.command} ${ctx.targets.daemon.args.join(" ")}`,
      ],
    },
  };
}

function rssNote(who: string, xs: Sample[]): string {
  const children = median(xs.map((x) => x.children));
  return (
    `${who}: RSS min / median ${minMedian(xs.map((x) => x.rss))} MB` +
    (children > 0 ? ` (of which child processes ${fmt(children)} MB)` : "") +
    `, peak (VmHWM) ${fmt(median(xs.map((x) => x.peak)))} MB`
  );
}

export function memoryRows(start: StartOutcome, rssAfterLoad: number | undefined): Result[] {
  const base = median(start.pglite.map((x) => x.rss));
  const idle = median(start.daemon.map((x) => x.rss));
  const rows: Result[] = [
    {
      row: "daemon RSS, idle after a restart",
      roster: `${fmt(idle)} MB`,
      baseline: `${fmt(base)} MB`,
      value: idle,
      base,
      budget: { kind: "max-extra", value: 64, unit: "MB" },
      notes: [rssNote("daemon", start.daemon), rssNote("PGlite alone", start.pglite)],
    },
  ];
  if (rssAfterLoad !== undefined) {
    rows.push({
      row: "daemon RSS after the list load",
      roster: `${fmt(rssAfterLoad)} MB`,
      baseline: `${fmt(base)} MB`,
      value: rssAfterLoad,
      base,
      budget: { kind: "max-extra", value: 64, unit: "MB" },
      notes: [
        "the daemon of the list rows, once quiet after its load; baseline: PGlite alone, idle",
      ],
    });
  }
  return rows;
}

/** For the record (no budget): a first start on an empty directory, both sides. */
export async function firstStartRows(ctx: Ctx): Promise<Result[]> {
  const dir = scratch(ctx, "first-start");
  const d = await daemonSample(ctx, join(dir, "daemon"));
  const p = await pgliteSample(ctx, join(dir, "pglite"));
  return [
    {
      row: "first start on an empty data dir → `/health` passes (no budget)",
      roster: `${fmt(d.startMs)} ms`,
      baseline: `${fmt(p.startMs)} ms`,
      value: d.startMs,
      base: p.startMs,
      budget: { kind: "none" },
    },
    {
      row: "RSS idle after that first start (no budget)",
      roster: `${fmt(d.rss)} MB`,
      baseline: `${fmt(p.rss)} MB`,
      value: d.rss,
      base: p.rss,
      budget: { kind: "none" },
      notes: [rssNote("daemon", [d]), rssNote("PGlite alone", [p])],
    },
  ];
}
