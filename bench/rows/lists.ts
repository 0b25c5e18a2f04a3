/**
 * `GET …/members` and `GET …/invites` of the big org: the daemon (a process
 * on a copy of the seeded data directory, fresh from its start) against bare Hono on
 * @hono/node-server answering the same bytes from memory (another
 * process). autocannon runs in this process — neither server's — with the
 * same settings and the same request (token included) for both; rounds
 * alternate which server goes first. Also takes the daemon's RSS after this
 * load, for the memory row.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { Api } from "../lib/api.ts";
import { scratch, startBaseline, type Ctx } from "../lib/context.ts";
import type { DaemonProc } from "../lib/daemon.ts";
import { rssTreeMB, waitQuiet } from "../lib/proc.ts";
import type { Result } from "../lib/report.ts";
import { fmt, median, minMedian } from "../lib/stats.ts";

interface Cannon {
  rps: number;
  p99: number;
}

export async function cannon(
  url: string,
  token: string,
  seconds: number,
  http: Ctx["cfg"]["http"],
): Promise<Cannon> {
  const r = await autocannon({
    url,
    connections: http.connections,
    ...(http.amount ? { amount: http.amount } : { duration: seconds }),
    headers: { authorization: `Token ${token}` },
  });
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return { rps: r.requests.total / r.duration, p99: r.latency.p99 };
}

export interface ListsOutcome {
  results: Result[];
  /** Daemon RSS (process tree, MB) right after the load, once quiet. */
  rssAfterLoad: number;
  bodyBytes: Record<string, number>;
}

export async function listRows(ctx: Ctx, d: DaemonProc): Promise<ListsOutcome> {
  const { cfg, seed } = ctx;
  const dir = scratch(ctx, "lists");
  let hono: Awaited<ReturnType<typeof startBaseline>> | undefined;
  try {
    const api = new Api(d.url, seed.token);
    const paths = {
      members: `/api/v2/orgs/${seed.bigOrg}/members`,
      invites: `/api/v2/orgs/${seed.bigOrg}/invites`,
    };
    const routes = [];
    const bodyBytes: Record<string, number> = {};
    const bodies: Record<string, Buffer> = {};
    for (const [name, path] of Object.entries(paths)) {
      const { body, contentType } = await api.bytes(path);
      const file = join(dir, `${name}.body`);
      writeFileSync(file, body);
      routes.push({ path, file, contentType });
      bodyBytes[name] = body.length;
      bodies[name] = body;
    }
    writeFileSync(join(dir, "routes.json"), JSON.stringify(routes));
    hono = await startBaseline(ctx, "hono-server.mjs", (port) => [
      String(port),
      join(dir, "routes.json"),
    ]);
    const honoApi = new Api(hono.url, seed.token);
    for (const [name, path] of Object.entries(paths)) {
      const same = (await honoApi.bytes(path)).body;
      if (!same.equals(bodies[name]!)) throw new Error(`the Hono baseline's ${name} bytes differ`);
    }

    const { seconds, warmupSeconds, rounds, connections } = cfg.http;
    const runs: Record<string, { roster: Cannon[]; hono: Cannon[] }> = {};
    for (const [name, path] of Object.entries(paths)) {
      if (cfg.warmups) {
        await cannon(d.url + path, seed.token, warmupSeconds, cfg.http);
        await cannon(hono.url + path, seed.token, warmupSeconds, cfg.http);
      }
      runs[name] = { roster: [], hono: [] };
    }
    for (let r = 0; r < rounds; r++) {
      for (const [name, path] of Object.entries(paths)) {
        const order = r % 2 === 0 ? (["roster", "hono"] as const) : (["hono", "roster"] as const);
        for (const who of order) {
          const base = who === "roster" ? d.url : hono.url;
          runs[name]![who].push(await cannon(base + path, seed.token, seconds, cfg.http));
        }
      }
    }
    await waitQuiet(d.pid, { windowMs: cfg.quietMs });
    const rssAfterLoad = rssTreeMB(d.pid).total;

    const results: Result[] = Object.entries(paths).map(([name]) => {
      const { roster, hono: base } = runs[name]!;
      const rps = (xs: Cannon[]) => xs.map((x) => x.rps);
      const p99 = (xs: Cannon[]) => xs.map((x) => x.p99);
      return {
        row: `\`GET …/${name}\` (${seed.size.members} members, ${seed.size.pending} pending)`,
        roster: `${fmt(median(rps(roster)))} req/s`,
        baseline: `${fmt(median(rps(base)))} req/s`,
        value: median(rps(roster)),
        base: median(rps(base)),
        budget: { kind: "min-ratio", value: 0.5 },
        notes: [
          `${rounds} × ${seconds} s per side, ${connections} connections, alternating; ` +
            `req/s min / median: Roster ${minMedian(rps(roster))}, Hono ${minMedian(rps(base))}; ` +
            `p99 ms min / median: Roster ${minMedian(p99(roster))}, Hono ${minMedian(p99(base))}; ` +
            `body ${fmt(bodyBytes[name]! / 1024)} KiB`,
        ],
      };
    });
    return { results, rssAfterLoad, bodyBytes };
  } finally {
    await hono?.stop();
  }
}
