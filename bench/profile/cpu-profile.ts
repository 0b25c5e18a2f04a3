/**
 * Reading a V8 `.cpuprofile` (node --cpu-prof): where the samples fall,
 * by code area (PGlite's WASM and JS, Hono, zod, pino, ws, the daemon's own
 * code, Node internals, GC, idle) and by function (self time), plus the
 * inclusive time of chosen functions.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Now on the clock of a profile's timestamps (µs). */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Code areas, first match wins (matched against the frame's URL, then its name). */
const AREAS: [string, (f: CallFrame) => boolean][] = [
  ["(idle)", (f) => f.functionName === "(idle)"],
  ["(garbage collector)", (f) => f.functionName === "(garbage collector)"],
  ["(program)", (f) => f.functionName === "(program)"],
  [
    // In the daemon all WebAssembly is PGlite's Postgres; in a client, undici's llhttp.
    "WebAssembly (daemon: PGlite's Postgres)",
    (f) => f.url.startsWith("wasm://") || /^(wasm-function|\$)/.test(f.functionName),
  ],
  ["PGlite JS", (f) => f.url.includes("@electric-sql/pglite") || f.url.includes("/pglite/")],
  ["Hono / @hono", (f) => /\/(hono|@hono)[/@]/.test(f.url)],
  ["zod", (f) => /\/zod[/@]/.test(f.url)],
  ["pino", (f) => /\/(pino|pino-[a-z-]+|sonic-boom|thread-stream)[/@]/.test(f.url)],
  ["ws", (f) => /\/ws[/@]/.test(f.url)],
  ["nodemailer", (f) => /\/nodemailer[/@]/.test(f.url)],
  ["tsx / esbuild", (f) => /\/(tsx|esbuild|get-tsconfig)[/@]/.test(f.url)],
  ["Roster daemon", (f) => f.url.includes("/packages/daemon/")],
  ["Roster core", (f) => f.url.includes("/packages/core/")],
  ["other packages", (f) => f.url.includes("/node_modules/")],
  ["Node.js internals", (f) => f.url.startsWith("node:") || f.url === ""],
  ["other", () => true],
];

export function areaOf(f: CallFrame): string {
  return AREAS.find(([, test]) => test(f))![0];
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
}

function where(f: CallFrame): string {
  const file = f.url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "");
  const short = file.replace(/^.*\/(packages\/[^/]+\/src\/)/, "$1");
  return short ? `${short}:${f.lineNumber + 1}` : "";
}

export interface Summary {
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  areas: { area: string; ms: number; pct: number }[];
  /** Self time per function, highest first. */
  functions: { name: string; where: string; area: string; ms: number; pct: number }[];
  /** Inclusive time of functions whose name matches, per matcher. */
  inclusive: { label: string; ms: number; pct: number }[];
}

/**
 * `inclusive`: label → matcher on "name where" of a frame; a sample counts
 * once per label when any frame of its stack matches.
 */
export function summarize(
  p: CpuProfile,
  inclusive: Record<string, RegExp> = {},
  opts: { top?: number; fromUs?: number } = {},
): Summary {
  const top = opts.top ?? 15;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  // Sample i was taken at startTime + Σ timeDeltas[0..i] (µs, the monotonic clock
  // process.hrtime reads); samples before `fromUs` are left out (e.g. start-up).
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    const delta = p.timeDeltas[i] ?? 0;
    at += delta;
    if (opts.fromUs !== undefined && at < opts.fromUs) return;
    self.set(id, (self.get(id) ?? 0) + delta / 1000);
  });
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);

  const areas = new Map<string, number>();
  const fns = new Map<string, { name: string; where: string; area: string; ms: number }>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const area = areaOf(f);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
    const e = fns.get(key) ?? {
      name: f.functionName || "(anonymous)",
      where: where(f),
      area,
      ms: 0,
    };
    e.ms += ms;
    fns.set(key, e);
  }
  const idle = areas.get("(idle)") ?? 0;
  const busyMs = totalMs - idle;
  const pct = (ms: number) => (busyMs > 0 ? (ms / busyMs) * 100 : 0);

  const incl = Object.entries(inclusive).map(([label, re]) => {
    let ms = 0;
    for (const [id, t] of self) {
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const f = byId.get(n)!.callFrame;
        if (re.test(`${f.functionName} ${where(f)}`)) {
          ms += t;
          break;
        }
      }
    }
    return { label, ms, pct: pct(ms) };
  });

  return {
    totalMs,
    busyMs,
    areas: [...areas]
      .filter(([a]) => a !== "(idle)")
      .map(([area, ms]) => ({ area, ms, pct: pct(ms) }))
      .sort((a, b) => b.ms - a.ms),
    functions: [...fns.values()]
      .filter((f) => f.area !== "(idle)")
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, pct: pct(f.ms) })),
    inclusive: incl,
  };
}

export function renderSummary(title: string, s: Summary): string {
  const ms = (x: number) => x.toFixed(0);
  const lines = [
    `#### ${title}`,
    "",
    `Sampled ${ms(s.totalMs)} ms, of which busy (not idle) ${ms(s.busyMs)} ms. Shares are of the busy time.`,
    "",
    "| code area (self time) | ms | share |",
    "|---|---:|---:|",
    ...s.areas.map((a) => `| ${a.area} | ${ms(a.ms)} | ${a.pct.toFixed(1)} % |`),
  ];
  if (s.inclusive.length) {
    lines.push("", "| inclusive (stack contains) | ms | share |", "|---|---:|---:|");
    for (const i of s.inclusive) lines.push(`| ${i.label} | ${ms(i.ms)} | ${i.pct.toFixed(1)} % |`);
  }
  lines.push("", "| function (self time) | where | area | ms | share |", "|---|---|---|---:|---:|");
  for (const f of s.functions)
    lines.push(`| ${f.name} | ${f.where} | ${f.area} | ${ms(f.ms)} | ${f.pct.toFixed(1)} % |`);
  return lines.join("\n");
}
