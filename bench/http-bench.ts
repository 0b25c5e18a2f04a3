/**
 * HTTP throughput of a real daemon process on embedded PGlite, as ratios
 * against GET /health on the same server in the same run (the cost of the
 * HTTP stack alone). Run: pnpm bench
 */
import autocannon from "autocannon";
import { RosterClient } from "@roster/core/client";
import { startInProcessDaemon, startTestDaemon, tempDir } from "../test/support/daemon.ts";

import type { Row } from "./row.ts";

async function cannon(
  url: string,
  token: string | undefined,
  path: string,
  seconds: number,
): Promise<Row> {
  const r = await autocannon({
    url: url + path,
    connections: 10,
    duration: seconds,
    headers: token ? { authorization: `Token ${token}` } : {},
  });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    name: `GET ${path.replace(/orgs\/[^/]+/, "orgs/:id")}`,
    value: r.requests.average,
    unit: "req/s",
    p99ms: r.latency.p99,
  };
}

/** `workers` concurrent loops of `op` for `seconds`; operations per second. */
async function loop(seconds: number, workers: number, op: (w: number, i: number) => Promise<void>) {
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; Date.now() < until; i++) {
        const t = performance.now();
        await op(w, i);
        lat.push(performance.now() - t);
        n++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { value: n / seconds, unit: "ops/s", p99ms: lat[Math.floor(lat.length * 0.99)] ?? 0 };
}

export async function httpBench(opts: { members: number; seconds: number }): Promise<Row[]> {
  const dataDir = tempDir("roster-bench-");
  // 1. Populate through the real API in-process (mail off, so activation tokens stay readable).
  const pop = await startInProcessDaemon({ dataDir, mail: false, resendIntervalS: 0 });
  const owner = await pop.setupOrg({ org: "Bench", email: "owner@example.com" });
  const c = pop.client(owner.token);
  for (let i = 0; i < opts.members; i++) {
    const inv = await c.createInvite(owner.orgID, { email: `member${i}@example.com` });
    await c.acceptInvite({ token: await pop.activationToken(inv.id), name: `Member ${i}` });
  }
  for (let i = 0; i < 40; i++)
    await c.createInvite(owner.orgID, { email: `pending${i}@example.com` });
  await pop.daemon.close();

  // 2. Measure a real daemon process on that data directory.
  const d = await startTestDaemon({ dataDir, resendIntervalS: 0 });
  try {
    const rows: Row[] = [];
    // Warm up the fresh process (JIT, connections) so the baseline is not its cold start.
    await cannon(d.url, owner.token, `/api/v2/orgs/${owner.orgID}/members`, 1);
    await cannon(d.url, undefined, "/health", 1);
    rows.push(await cannon(d.url, undefined, "/health", opts.seconds));
    rows.push(await cannon(d.url, owner.token, "/api/v2/me", opts.seconds));
    rows.push(
      await cannon(d.url, owner.token, `/api/v2/orgs/${owner.orgID}/members`, opts.seconds),
    );
    rows.push(
      await cannon(d.url, owner.token, `/api/v2/orgs/${owner.orgID}/invites`, opts.seconds),
    );

    const client = new RosterClient({ url: d.url, token: owner.token });
    const base = await loop(opts.seconds, 5, async () => {
      await client.health();
      await client.health();
    });
    rows.push({ name: "2 × GET /health (sequential pair)", ...base });
    const writes = await loop(opts.seconds, 5, async (w, i) => {
      const inv = await client.createInvite(owner.orgID, { email: `w${w}-${i}@example.com` });
      await client.withdrawInvite(owner.orgID, inv.id);
    });
    rows.push({ name: "invite + withdraw (2 commits)", ...writes });
    return rows;
  } finally {
    await d.stop();
    await d.cleanup();
  }
}
