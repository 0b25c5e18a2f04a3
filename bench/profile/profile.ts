/**
 * `pnpm bench --profile`: why the rows are what they are. Runs the daemon
 * (as bench/targets.ts launches it) under each load with `--cpu-prof` and
 * summarizes where the CPU went; runs it once more with the statement
 * recorder for PGlite statement timings per route; then A/B experiments
 * (bench/profile/experiments.ts) and start-up and memory breakdowns
 * (bench/profile/start-memory.ts). Prints Markdown.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIGS, scratch, type BenchConfig, type Ctx } from "../lib/context.ts";
import { startDaemon, type DaemonProc } from "../lib/daemon.ts";
import { waitQuiet } from "../lib/proc.ts";
import { copySeed, ensureSeed, PER_ORG } from "../lib/seed.ts";
import { fmt } from "../lib/stats.ts";
import { measureSize } from "../rows/fanout.ts";
import { apiRound } from "../rows/invites.ts";
import { startRecorded } from "../capture/recorder.ts";
import { cannon } from "../rows/lists.ts";
import { resolveTargets } from "../targets.ts";
import { profileClockUs, readProfile, renderSummary, summarize } from "./cpu-profile.ts";
import { cliProfiles, encodeOnce, logging } from "./experiments.ts";
import { memoryExperiments, startupExperiments } from "./start-memory.ts";

/** Inclusive time worth knowing under load: what the request path spends where. */
const INCLUSIVE: Record<string, RegExp> = {
  "inside PGlite (its JS and WASM)": /@electric-sql\/pglite/,
  "auth (token + membership)": /http\/auth\.ts/,
  "list reads (http/org-reads.ts)": /org-reads\.ts/,
  "org projection": /org-projection\.ts/,
  "change feed": /change-feed\.ts/,
  "mail (outbox worker, transports)": /\/mail\//,
  "live hub / sessions": /\/live\/(?!upgrade-refusal)/,
  "pino logging": /(^|\/)pino|sonic-boom/,
  zod: /(^|\/)zod[/@]/,
  "JSON.stringify / JSON.parse": /^(stringify|parse) $/,
  "module loading (Node's ESM loader, tsx's hooks)": /internal\/modules\//,
};

type Load = (ctx: Ctx, d: DaemonProc) => Promise<string>;

const loads: Record<string, Load> = {
  "GET …/members and …/invites (autocannon, 10 connections, 5 s each)": async (ctx, d) => {
    for (const what of ["members", "invites"]) {
      const url = `${d.url}/api/v2/orgs/${ctx.seed.bigOrg}/${what}`;
      const r = await cannon(url, ctx.seed.token, 5, { ...ctx.cfg.http, amount: undefined });
      ctx.log(`  ${what}: ${fmt(r.rps)} req/s`);
    }
    return "";
  },
  "invitation creation (POST …/invites, 8 in flight)": async (ctx, d) => {
    const orgs = ctx.seed.rotationOrgs;
    const n = Math.min(ctx.cfg.invites.perRound, orgs.length * PER_ORG);
    const r = await apiRound(d, ctx, orgs, n, "profile");
    return `${n} invitations at ${fmt(r.perS)}/s`;
  },
  "fan-out (commit → frame)": async (ctx, d) => {
    const n = Math.max(...ctx.cfg.fanout.sessions);
    const r = await measureSize(ctx, d, undefined, n);
    return `${n} sessions, ${r.roster.length + ctx.cfg.fanout.warmup} changes (+ withdrawals)`;
  },
};

function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${dir}`);
  return files[0];
}

async function cpuProfile(ctx: Ctx, title: string, load: Load): Promise<string> {
  const dir = scratch(ctx, "cpu");
  const profDir = join(dir, "prof");
  mkdirSync(profDir);
  const d = await startDaemon(ctx.targets, copySeed(ctx.seedDir, join(dir, "data")), {
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profDir}`],
  });
  let what: string;
  let fromUs: number;
  try {
    await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
    fromUs = profileClockUs();
    what = await load(ctx, d);
  } finally {
    await d.stop();
  }
  // From the load's start (start-up left out); idle time is left out of the shares.
  const s = summarize(readProfile(newestProfile(profDir)), INCLUSIVE, { fromUs });
  return renderSummary(`${title}${what ? ` — ${what}` : ""}`, s);
}

interface StmtStats {
  statements: {
    route: string;
    text: string;
    n: number;
    execMs: number;
    waitMs: number;
    inTx: number;
  }[];
}

async function statementTimings(ctx: Ctx): Promise<string> {
  const dir = scratch(ctx, "stmt");
  const stats = join(dir, "stmt-stats.json");
  const { d, note } = await startRecorded(ctx, copySeed(ctx.seedDir, join(dir, "data")), {
    ROSTER_BENCH_STMT_STATS: stats,
  });
  try {
    for (const [title, load] of Object.entries(loads).slice(0, 2)) {
      ctx.log(`  statements: ${title}`);
      await load(ctx, d);
    }
    await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
  } finally {
    await d.stop();
  }
  const all = (JSON.parse(readFileSync(stats, "utf8")) as StmtStats).statements;
  const short = (t: string) => (t.length > 90 ? `${t.slice(0, 87)}…` : t).replace(/\|/g, "\\|");
  const lines = [
    "#### PGlite statements under the list and invitation loads (statement recorder)",
    "",
    "exec = time holding PGlite (its own cost); wait = queued behind other statements." +
      (note ? ` (${note}.)` : ""),
    "",
    "| route | statement | n | exec ms total | exec ms mean | wait ms mean |",
    "|---|---|---:|---:|---:|---:|",
  ];
  for (const s of all.sort((a, b) => b.execMs - a.execMs).slice(0, 25)) {
    lines.push(
      `| ${s.route} | \`${short(s.text)}\` | ${s.n} | ${fmt(s.execMs)} | ${fmt(s.execMs / s.n)} | ${fmt(s.waitMs / s.n)} |`,
    );
  }
  const byRoute = new Map<string, { n: number; execMs: number }>();
  for (const s of all) {
    const r = byRoute.get(s.route) ?? { n: 0, execMs: 0 };
    r.n += s.n;
    r.execMs += s.execMs;
    byRoute.set(s.route, r);
  }
  lines.push("", "| route | statements | exec ms total |", "|---|---:|---:|");
  for (const [route, r] of [...byRoute].sort((a, b) => b[1].execMs - a[1].execMs))
    lines.push(`| ${route} | ${r.n} | ${fmt(r.execMs)} |`);
  return lines.join("\n");
}

export async function runProfiles(opts: {
  config: BenchConfig["name"];
  keep?: boolean;
}): Promise<void> {
  const cfg = CONFIGS[opts.config];
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const targets = resolveTargets();
  const { dir: seedDir, seed } = await ensureSeed(targets, cfg.seed, { log });
  const work = mkdtempSync(join(tmpdir(), "roster-bench-profile-"));
  const ctx: Ctx = { cfg, targets, seed, seedDir, work, log };
  const out: string[] = [`### Profiles (${targets.label}; ${cfg.name} sizes)`];
  try {
    for (const [title, load] of Object.entries(loads)) {
      log(`cpu profile: ${title}`);
      out.push(await cpuProfile(ctx, title, load));
    }
    log("statement timings");
    out.push(await statementTimings(ctx));
    log("fan-out: encoding per client or once");
    out.push(await encodeOnce(ctx));
    log("logging A/B");
    out.push(await logging(ctx));
    log("start-up");
    out.push(await startupExperiments(ctx));
    log("CLI start-up profiles");
    out.push(await cliProfiles(ctx));
    log("memory");
    out.push(await memoryExperiments(ctx));
  } finally {
    if (opts.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  console.log(out.join("\n\n"));
}
