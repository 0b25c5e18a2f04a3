/**
 * Live fan-out: how long after a mutation's HTTP answer every watching
 * session has the change, for 1…N sessions. Baseline: the mutation's own
 * HTTP round trip, measured in the same run on the same daemon process.
 */
import { LiveConnection, RosterClient } from "@roster/core/client";
import type { ServerMessage } from "@roster/core";
import { startTestDaemon } from "../test/support/daemon.ts";
import type { Row } from "./row.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length * 0.99)] ?? 0;
}

export async function fanoutBench(opts: { sessions: number[]; mutations: number }): Promise<Row[]> {
  const d = await startTestDaemon({ resendIntervalS: 0 });
  try {
    const owner = await d.setupOrg({ org: "Fanout" });
    const client = new RosterClient({ url: d.url, token: owner.token });
    const rows: Row[] = [];
    const rtt: number[] = [];
    const results: { n: number; lat: number[] }[] = [];
    for (const n of opts.sessions) {
      // n live sessions, each resolving the waiter for the version it sees.
      const seen = new Map<number, number>();
      let wanted = 0;
      let onAll: (() => void) | null = null;
      const conns: LiveConnection[] = [];
      let ready = 0;
      await new Promise<void>((resolveReady) => {
        for (let i = 0; i < n; i++) {
          let version = 0;
          const c = new LiveConnection({
            url: d.url,
            token: owner.token,
            orgID: owner.orgID,
            since: () => version,
            handlers: {
              message(msg: ServerMessage) {
                if (msg.type === "snapshot" || msg.type === "change") version = msg.version;
                if (msg.type === "ready" && ++ready === n) resolveReady();
                if (msg.type === "change" && msg.version === wanted) {
                  const count = (seen.get(msg.version) ?? 0) + 1;
                  seen.set(msg.version, count);
                  if (count === n) onAll?.();
                }
              },
            },
          });
          conns.push(c);
          c.start();
        }
      });
      const lat: number[] = [];
      const warmup = 5;
      for (let i = 0; i < opts.mutations + warmup; i++) {
        const { version } = await client.listInvites(owner.orgID);
        wanted = version + 1;
        const all = new Promise<void>((r) => (onAll = r));
        const t0 = performance.now();
        const inv = await client.createInvite(owner.orgID, { email: `f${n}-${i}@example.com` });
        const t1 = performance.now();
        await all;
        if (i >= warmup) {
          lat.push(performance.now() - t0);
          rtt.push(t1 - t0);
        }
        await client.withdrawInvite(owner.orgID, inv.id);
      }
      for (const c of conns) c.close();
      results.push({ n, lat });
    }
    rows.push({
      name: "POST invite round trip (baseline)",
      value: median(rtt),
      unit: "ms (median)",
      p99ms: p99(rtt),
    });
    for (const { n, lat } of results) {
      rows.push({
        name: `POST → change seen by all ${n} sessions`,
        value: median(lat),
        unit: "ms (median)",
        p99ms: p99(lat),
      });
    }
    return rows;
  } finally {
    await d.stop();
    await d.cleanup();
  }
}
