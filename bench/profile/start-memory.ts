/**
 * Where the daemon's start-up time and its idle memory go, against the same
 * steps done by plain node and PGlite alone: loading the modules through tsx,
 * PGlite's import / WASM compile / open / first query, the daemon's own
 * account (its "listening" log line), a CPU profile of one start; RSS with its
 * V8 heap / WASM memory split (bench/profile/memory-preload.mjs), PGlite with
 * smaller shared_buffers, and after a first start (initdb).
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { scratch, startBaseline, type Ctx } from "../lib/context.ts";
import { cleanEnv, startDaemon } from "../lib/daemon.ts";
import { rssTreeMB, runToExit, sleep, spawnProc, waitQuiet } from "../lib/proc.ts";
import { copySeed } from "../lib/seed.ts";
import { fmt, median } from "../lib/stats.ts";
import { readCapture } from "../capture/statements.ts";
import { startRecorded } from "../capture/recorder.ts";
import { cannon } from "../rows/lists.ts";
import { REPO_ROOT } from "../targets.ts";
import { readProfile, renderSummary, summarize } from "./cpu-profile.ts";

const MEMORY_PRELOAD = join(REPO_ROOT, "bench", "profile", "memory-preload.mjs");
const DAEMON_MAIN = join(REPO_ROOT, "packages", "daemon", "src", "main.ts");

/** `n` runs of `fn` after one unmeasured. */
async function repeat<T>(n: number, fn: () => Promise<T>): Promise<T[]> {
  await fn();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** Spawn → exit of `node <args>`, ms; its stdout. */
function nodeRun(ctx: Ctx, args: string[]): Promise<{ ms: number; out: string }> {
  return runToExit(process.execPath, args, {
    env: cleanEnv(join(ctx.work, "home")),
    cwd: REPO_ROOT,
    logFile: join(ctx.work, "profile-node.log"),
  });
}

/** RSS (MB) of `node <args>` once it printed "ready". */
async function idleRss(ctx: Ctx, args: string[]): Promise<number> {
  const p = spawnProc(process.execPath, args, {
    env: cleanEnv(join(ctx.work, "home")),
    cwd: REPO_ROOT,
    pipeStdout: true,
  });
  await new Promise<void>((resolve) => p.child.stdout?.on("data", () => resolve()));
  await sleep(300);
  const rss = rssTreeMB(p.pid).total;
  p.child.kill("SIGKILL");
  await p.exited;
  return rss;
}

const READY = "console.log('ready'); setInterval(() => {}, 1000);";

function listeningLine(logFile: string): { startupMs?: number; storageMs?: number } {
  const lines = readFileSync(logFile, "utf8").split("\n").reverse();
  for (const l of lines) {
    try {
      const rec = JSON.parse(l) as { msg?: string; startupMs?: number; storageMs?: number };
      if (rec.msg === "listening") return rec;
    } catch {
      // not JSON
    }
  }
  return {};
}

export async function startupExperiments(ctx: Ctx): Promise<string> {
  const dir = scratch(ctx, "startup");
  const dataDir = copySeed(ctx.seedDir, join(dir, "data"));
  const reps = Math.max(3, ctx.cfg.restart.reps);
  const ms = async (args: string[]) =>
    median((await repeat(reps, () => nodeRun(ctx, args))).map((r) => r.ms));
  const rows: [string, string][] = [];
  rows.push(["`node -e 0`", fmt(await ms(["-e", "0"]))]);
  rows.push([
    "`node --import tsx -e 0` (tsx's loader registered)",
    fmt(await ms(["--import", "tsx", "-e", "0"])),
  ]);
  if (!ctx.targets.installed) {
    const imp = `await import(${JSON.stringify(pathToFileURL(DAEMON_MAIN).href)})`;
    rows.push([
      "import the daemon's modules through tsx (`main.ts`, not started)",
      fmt(await ms(["--import", "tsx", "--input-type=module", "-e", imp])),
    ]);
  }
  // The daemon imports PGlite lazily, through tsx's loader like everything else.
  const importTimed = (pre: string[]) =>
    repeat(reps, async () => {
      const code =
        "const t = performance.now(); await import('@electric-sql/pglite'); console.log(performance.now() - t);";
      return Number((await nodeRun(ctx, [...pre, "--input-type=module", "-e", code])).out);
    });
  rows.push(["`import('@electric-sql/pglite')`, plain node", fmt(median(await importTimed([])))]);
  rows.push([
    "`import('@electric-sql/pglite')` through tsx's loader (as the daemon does)",
    fmt(median(await importTimed(["--import", "tsx"]))),
  ]);
  const phases = await repeat(reps, async (): Promise<Record<string, number>> => {
    const r = await nodeRun(ctx, [join(REPO_ROOT, "bench/profile/pglite-phases.mjs"), dataDir]);
    return { ...(JSON.parse(r.out) as Record<string, number>), totalMs: r.ms };
  });
  const m = (k: string) => fmt(median(phases.map((p) => p[k] ?? NaN)));
  rows.push(["PGlite alone: spawn → exit (phases below)", m("totalMs")]);
  rows.push(["  node start until the script runs", m("nodeStartMs")]);
  rows.push(["  `import('@electric-sql/pglite')`", m("importMs")]);
  rows.push(["  `WebAssembly.compile(pglite.wasm)` alone (create does it again)", m("compileMs")]);
  rows.push([
    "  `PGlite.create()` on the existing directory (compile, FS bundle, start)",
    m("createMs"),
  ]);
  rows.push(["  first query (`select 1`)", m("firstQueryMs")]);
  rows.push(["  `close()`", m("closeMs")]);

  const starts = await repeat(reps, async () => {
    const d = await startDaemon(ctx.targets, dataDir);
    await d.stop();
    return { spawnToHealth: d.startMs, ...listeningLine(join(dataDir, "daemon.log")) };
  });
  rows.push(["daemon: spawn → /health passes", fmt(median(starts.map((s) => s.spawnToHealth)))]);
  const own = starts.filter((s) => s.startupMs !== undefined);
  if (own.length) {
    rows.push([
      "  the daemon's own `startupMs` (startDaemon() → listening)",
      fmt(median(own.map((s) => s.startupMs!))),
    ]);
    rows.push([
      "  of which `storageMs` (lock + open PGlite)",
      fmt(median(own.map((s) => s.storageMs ?? NaN))),
    ]);
  }

  const timeline = await startTimeline(ctx, dataDir);

  // One start under --cpu-prof: spawn, /health, stop.
  const profDir = join(dir, "prof");
  mkdirSync(profDir);
  const d = await startDaemon(ctx.targets, dataDir, {
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  });
  await d.stop();
  const prof = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  const summary = prof
    ? renderSummary(
        "CPU profile of one daemon start (spawn → /health → SIGTERM)",
        summarize(readProfile(join(profDir, prof)), {
          "module loading (Node's ESM loader; tsx compiles on its loader thread)":
            /internal\/modules\//,
          "inside PGlite (its JS and WASM)": /@electric-sql\/pglite/,
          migrations: /migrations\.ts/,
        }),
      )
    : "(no CPU profile written)";
  return [
    "#### Start-up, step by step (median ms)",
    "",
    "| step | ms |",
    "|---|---:|",
    ...rows.map(([a, b]) => `| ${a} | ${b} |`),
    "",
    timeline,
    "",
    summary,
  ].join("\n");
}

/**
 * One daemon start with the statement recorder: when (ms after the process
 * started) PGlite.create was called and how long it took, then every
 * statement until /health passed.
 */
async function startTimeline(ctx: Ctx, dataDir: string): Promise<string> {
  const log = join(scratch(ctx, "timeline"), "start.jsonl");
  const { d, note } = await startRecorded(ctx, dataDir, { ROSTER_BENCH_CAPTURE: log });
  await d.stop();
  const records = readCapture(log);
  const origin = records.find((r) => r.ev === "start")?.t ?? NaN;
  const at = (t: number | undefined) => fmt((t ?? NaN) - origin);
  const lines = [
    `#### One daemon start, as the statement recorder saw it (spawn → /health: ${fmt(d.startMs)} ms, recorder loaded${note ? `; ${note}` : ""})`,
    "",
    "| ms after the process started | what | took ms |",
    "|---:|---|---:|",
  ];
  const create = records.find((r) => r.ev === "create");
  if (create)
    lines.push(
      `| ${at(create.t)} | \`PGlite.create()\` (modules loaded before this) | ${fmt(create.ms ?? NaN)} |`,
    );
  for (const r of records) {
    if (r.ev !== "stmt") continue;
    const text = (r.text ?? "").replace(/\s+/g, " ").trim().slice(0, 80).replace(/\|/g, "\\|");
    lines.push(`| ${at(r.t)} | ${r.route ?? "start-up"}: \`${text}\` | ${fmt(r.totalMs ?? NaN)} |`);
    if (r.route === "GET /health") break;
  }
  return lines.join("\n");
}

interface MemoryReport {
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  codeMB: number;
  wasmMemoriesMB: number[];
}

async function report(file: string): Promise<MemoryReport> {
  await sleep(700); // the preload writes every 500 ms
  return JSON.parse(readFileSync(file, "utf8")) as MemoryReport;
}

function row(what: string, r: MemoryReport, rss = r.rssMB): string {
  const wasm = r.wasmMemoriesMB.reduce((a, b) => a + b, 0);
  return `| ${what} | ${fmt(rss)} | ${fmt(wasm)} | ${fmt(r.heapUsedMB)} / ${fmt(r.heapTotalMB)} | ${fmt(r.externalMB)} | ${fmt(r.codeMB)} |`;
}

export async function memoryExperiments(ctx: Ctx): Promise<string> {
  const dir = scratch(ctx, "memory");
  const preload = { nodeArgs: [`--import=${pathToFileURL(MEMORY_PRELOAD).href}`] };
  const lines = [
    "#### Memory: where RSS goes (MB)",
    "",
    "| process | RSS | WASM memory | V8 heap used / total | external | code |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  const daemonDir = copySeed(ctx.seedDir, join(dir, "daemon"));
  const dm = join(dir, "daemon.mem.json");
  const d = await startDaemon(ctx.targets, daemonDir, {
    ...preload,
    env: { ROSTER_BENCH_MEMORY: dm },
  });
  try {
    await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
    lines.push(row("daemon, idle after a restart", await report(dm), rssTreeMB(d.pid).total));
    for (const what of ["members", "invites"])
      await cannon(`${d.url}/api/v2/orgs/${ctx.seed.bigOrg}/${what}`, ctx.seed.token, 3, {
        ...ctx.cfg.http,
        amount: undefined,
      });
    await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
    lines.push(row("daemon, after 2 × 3 s of list load", await report(dm), rssTreeMB(d.pid).total));
  } finally {
    await d.stop();
  }
  const pglite = async (what: string, dataDir: string, env: Record<string, string> = {}) => {
    const file = join(dir, `${lines.length}.mem.json`);
    const b = await startBaseline(ctx, "pglite-open.mjs", (port) => [dataDir, String(port)], {
      NODE_OPTIONS: preload.nodeArgs[0]!, // --import is allowed in NODE_OPTIONS
      ROSTER_BENCH_MEMORY: file,
      ...env,
    });
    try {
      await waitQuiet(b.proc.pid, { windowMs: ctx.cfg.quietMs });
      lines.push(row(what, await report(file), rssTreeMB(b.proc.pid).total));
    } finally {
      await b.stop();
    }
  };
  const existing = copySeed(ctx.seedDir, join(dir, "pglite"));
  await pglite("PGlite alone, existing directory (defaults: shared_buffers 128MB)", existing);
  await pglite("PGlite alone, existing directory, shared_buffers=16MB", existing, {
    ROSTER_BENCH_PG_SETTINGS: "shared_buffers=16MB",
  });
  await pglite("PGlite alone, first start on an empty directory (initdb)", join(dir, "empty"));
  await pglite("PGlite alone, reopening that directory", join(dir, "empty"));
  lines.push("", "| plain processes | RSS |", "|---|---:|");
  lines.push(`| \`node\` idle | ${fmt(await idleRss(ctx, ["-e", READY]))} |`);
  lines.push(
    `| \`node --import tsx\` idle | ${fmt(await idleRss(ctx, ["--import", "tsx", "-e", READY]))} |`,
  );
  if (!ctx.targets.installed) {
    const imp = `await import(${JSON.stringify(pathToFileURL(DAEMON_MAIN).href)}); ${READY}`;
    lines.push(
      `| the daemon's modules imported through tsx, not started | ${fmt(await idleRss(ctx, ["--import", "tsx", "--input-type=module", "-e", imp]))} |`,
    );
  }
  lines.push(
    `| \`import('@electric-sql/pglite')\`, not opened | ${fmt(await idleRss(ctx, ["--input-type=module", "-e", `await import('@electric-sql/pglite'); ${READY}`]))} |`,
  );
  return lines.join("\n");
}
