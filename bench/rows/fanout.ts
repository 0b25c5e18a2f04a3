/**
 * Commit → frame at every session: n live sessions on the daemon (owner's
 * token, `hello` at the current version, so no snapshots) and n clients of a
 * raw `ws` server (bench/baselines/ws-broadcast.mjs) that broadcasts a frame
 * of the same size. All clients live in this process, apart from both
 * servers; changes alternate between the two sides.
 *
 * Per change: from the change's commit time — Roster's frame carries `at`,
 * stamped inside the committing transaction when the invitation is decided
 * (before its last statements and COMMIT, so Roster's side also counts the
 * end of its transaction); the baseline stamps `at` just before its send
 * loop — to the moment the last of the n sessions has the frame. (Both
 * stamps are wall-clock milliseconds on this machine.) The notes add the
 * spread from the first session to the last: the fan-out alone.
 */
import WebSocket from "ws";
import { Api } from "../lib/api.ts";
import { startBaseline, type Ctx, type Server } from "../lib/context.ts";
import type { DaemonProc } from "../lib/daemon.ts";
import type { Result } from "../lib/report.ts";
import { fmt, median, percentile } from "../lib/stats.ts";

const now = () => performance.timeOrigin + performance.now();

/** Which change a frame is: Roster's by type and invitation email, the baseline's by version. */
type Frame = {
  type: string;
  version: number;
  at?: string;
  change?: { type: string; invite?: { email: string } };
};
const frameKey = (f: Frame) =>
  f.change ? `${f.change.type} ${f.change.invite?.email ?? ""}` : `v${f.version}`;

interface Arrival {
  count: number;
  /** When the first and the last session had it (ms, wall clock with fractions). */
  first: number;
  last: number;
  at: number;
  bytes: number;
  done?: () => void;
}

/** n WebSocket clients; tracks, per change (frameKey), how many have it and when the last did. */
export class Group {
  readonly sockets: WebSocket[] = [];
  readonly #frames = new Map<string, Arrival>();
  constructor(readonly n: number) {}

  onFrame(data: WebSocket.RawData): void {
    const t = now();
    const buf = data as Buffer;
    const msg = JSON.parse(buf.toString()) as Frame;
    if (msg.type !== "change") return;
    const a = this.#arrival(frameKey(msg));
    if (a.count++ === 0) a.first = t;
    a.last = t;
    a.at = Date.parse(msg.at ?? "");
    a.bytes = buf.length;
    if (a.count === this.n) a.done?.();
  }

  #arrival(key: string): Arrival {
    let a = this.#frames.get(key);
    if (!a) this.#frames.set(key, (a = { count: 0, first: 0, last: 0, at: NaN, bytes: 0 }));
    return a;
  }

  /** Resolves once every session has the frame of change `key`. */
  complete(key: string, timeoutMs = 60_000): Promise<Arrival> {
    const a = this.#arrival(key);
    if (a.count === this.n) return Promise.resolve(a);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${a.count}/${this.n} sessions got ${key}`)),
        timeoutMs,
      );
      a.done = () => {
        clearTimeout(timer);
        resolve(a);
      };
    });
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}

/** Open n sockets, 50 at a time; with a `hello`, each is live at its `ready` frame. */
export async function connect(
  g: Group,
  url: string,
  headers: Record<string, string>,
  hello: string | undefined,
): Promise<void> {
  for (let i = 0; i < g.n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, g.n - i) }, () => {
        const ws = new WebSocket(url, { headers });
        g.sockets.push(ws);
        return new Promise<void>((resolve, reject) => {
          ws.once("error", reject);
          ws.once("unexpected-response", (_req, res) =>
            reject(new Error(`${url}: HTTP ${res.statusCode}`)),
          );
          ws.once("open", () => {
            if (hello === undefined) return resolve();
            ws.send(hello);
          });
          let live = hello === undefined;
          ws.on("message", (data) => {
            if (!live) {
              const msg = JSON.parse((data as Buffer).toString()) as { type: string };
              if (msg.type === "ready") {
                live = true;
                return resolve();
              }
            }
            g.onFrame(data);
          });
        });
      }),
    );
  }
}

interface Sample {
  commitToAll: number;
  sentToAll: number;
  /** First session → last session: the fan-out alone. */
  spread: number;
}

const sample = (a: Arrival, sent: number): Sample => ({
  commitToAll: a.last - a.at,
  sentToAll: a.last - sent,
  spread: a.last - a.first,
});

/**
 * n sessions on each side, then warm-up + measured changes alternating
 * between them; without `ws`, Roster's side only (for profiling).
 */
export async function measureSize(
  ctx: Ctx,
  d: DaemonProc,
  ws: Server | undefined,
  n: number,
): Promise<{ roster: Sample[]; base: Sample[]; bytes: number }> {
  const { seed, cfg } = ctx;
  const api = new Api(d.url, seed.token);
  const r = new Group(n);
  const b = new Group(n);
  const auth = { authorization: `Token ${seed.token}` };
  const version = (await api.listInvites(seed.fanoutOrg)).version;
  const liveUrl = `${d.url.replace("http", "ws")}/api/v2/orgs/${seed.fanoutOrg}/live`;
  try {
    await connect(r, liveUrl, auth, JSON.stringify({ type: "hello", since: version }));
    if (ws) await connect(b, ws.url.replace("http", "ws"), auth, undefined);
    let bytes = 0;
    const roster: Sample[] = [];
    const base: Sample[] = [];
    for (let i = 0; i < cfg.fanout.warmup + cfg.fanout.changes; i++) {
      const measured = i >= cfg.fanout.warmup;
      let sent = now();
      const email = `fanout-${n}-${i}@bench.example`;
      const inv = await api.createInvite(seed.fanoutOrg, email);
      const a = await r.complete(`invite.created ${email}`);
      bytes = a.bytes;
      if (measured) roster.push(sample(a, sent));
      await api.withdrawInvite(seed.fanoutOrg, inv.id);
      await r.complete(`invite.withdrawn ${email}`);
      if (!ws) continue;

      sent = now();
      const res = await fetch(`${ws.url}/broadcast?size=${bytes}`, { method: "POST" });
      if (res.status !== 200) throw new Error(`ws baseline: HTTP ${res.status}`);
      const ba = await b.complete(`v${await res.text()}`);
      if (measured) base.push(sample(ba, sent));
    }
    return { roster, base, bytes };
  } finally {
    r.close();
    b.close();
  }
}

export async function fanoutRows(ctx: Ctx, d: DaemonProc): Promise<Result[]> {
  let ws: Server | undefined;
  const results: Result[] = [];
  try {
    ws = await startBaseline(ctx, "ws-broadcast.mjs", (port) => [String(port)]);
    for (const n of ctx.cfg.fanout.sessions) {
      const { roster, base, bytes } = await measureSize(ctx, d, ws, n);
      const c = (xs: Sample[]) => xs.map((x) => x.commitToAll);
      const s = (xs: Sample[]) => xs.map((x) => x.sentToAll);
      const f = (xs: Sample[]) => xs.map((x) => x.spread);
      results.push({
        row: `commit → frame at every session, ${n.toLocaleString("en-US")} sessions (p99)`,
        roster: `${fmt(percentile(c(roster), 99))} ms`,
        baseline: `${fmt(percentile(c(base), 99))} ms`,
        value: percentile(c(roster), 99),
        base: percentile(c(base), 99),
        budget: { kind: "max-ratio", value: 2 },
        notes: [
          `${roster.length} changes per side (after ${ctx.cfg.fanout.warmup} warm-up), alternating; frame ${bytes} bytes; ` +
            `commit → all, median: Roster ${fmt(median(c(roster)))} ms, raw ws ${fmt(median(c(base)))} ms`,
          `request sent → all, median / p99: Roster (POST …/invites) ${fmt(median(s(roster)))} / ${fmt(percentile(s(roster), 99))} ms, ` +
            `raw ws (POST /broadcast) ${fmt(median(s(base)))} / ${fmt(percentile(s(base), 99))} ms`,
          `first session → last session (the fan-out alone), median / p99: ` +
            `Roster ${fmt(median(f(roster)))} / ${fmt(percentile(f(roster), 99))} ms, raw ws ${fmt(median(f(base)))} / ${fmt(percentile(f(base), 99))} ms`,
          `Roster's \`at\` is stamped when the invitation is decided, before the transaction's last statements and COMMIT, so its side also counts the end of its transaction`,
        ],
      });
    }
  } finally {
    await ws?.stop();
  }
  return results;
}
