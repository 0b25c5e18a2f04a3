/**
 * SPEC §7: an acknowledged change is on disk before its 2xx. A real daemon
 * process on embedded PGlite runs with a preload (support/wal-probe.mjs) that
 * logs, on the monotonic clock, every write and every fsync/fdatasync that
 * reaches a file under pg_wal, and when each HTTP request arrives and its
 * response is handed to the socket. Then, for every acknowledged change:
 * its transaction wrote the WAL while the request was served, and every WAL
 * byte written so far had been synced before the response went out.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestDaemon, tempDir, type TestDaemon } from "./support/daemon.ts";

type Event =
  | { t: bigint; kind: "write" | "sync"; file: string }
  | { t: bigint; kind: "req"; id: number; method: string; url: string }
  | { t: bigint; kind: "res"; id: number; status: number };

function parse(log: string): Event[] {
  return log
    .trim()
    .split("\n")
    .map((line): Event => {
      const [t, op, a, b, c] = line.split(" ") as [string, string, string, string, string];
      const at = BigInt(t);
      if (op === "req") return { t: at, kind: "req", id: Number(a), method: b, url: c };
      if (op === "res") return { t: at, kind: "res", id: Number(a), status: Number(b) };
      return { t: at, kind: op === "write" ? "write" : "sync", file: a };
    });
}

const linux = process.platform === "linux";
let d: TestDaemon;
let logPath: string;
const probeDir = tempDir("roster-wal-probe-");

beforeAll(async () => {
  if (!linux) return;
  logPath = join(probeDir, "probe.log");
  d = await startTestDaemon({
    env: {
      NODE_OPTIONS: `--import=${join(REPO_ROOT, "test/support/wal-probe.mjs")}`,
      ROSTER_WAL_PROBE_LOG: logPath,
    },
  });
});
afterAll(async () => {
  await d?.cleanup();
});

describe.skipIf(!linux)("durable commits on the embedded database", () => {
  it("syncs the WAL of every acknowledged change before its 2xx", async () => {
    const o = await d.setupOrg({ org: "Synced", email: "sync@example.com" });
    const c = d.client(o.token);
    const one = [];
    for (let i = 0; i < 8; i++)
      one.push(await c.createInvite(o.orgID, { email: `s${i}@example.com` }));
    // Several in flight at once, of several kinds.
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        c.createInvite(o.orgID, { email: `p${i}@example.com` }),
      ),
      ...one.slice(0, 4).map((inv) => c.withdrawInvite(o.orgID, inv.id)),
      c.createOrg("Second"),
    ]);
    await d.stop();

    const events = parse(readFileSync(logPath, "utf8"));
    const reqs = new Map<number, Extract<Event, { kind: "req" }>>();
    const lastWrite = new Map<string, bigint>();
    const lastSync = new Map<string, bigint>();
    let acknowledged = 0;
    for (const e of events) {
      if (e.kind === "req") reqs.set(e.id, e);
      if (e.kind === "write") lastWrite.set(e.file, e.t);
      if (e.kind === "sync") lastSync.set(e.file, e.t);
      if (e.kind !== "res" || e.status >= 300) continue;
      const req = reqs.get(e.id)!;
      if (req.method === "GET") continue;
      acknowledged++;
      const what = `${req.method} ${req.url} → ${e.status}`;
      // Its transaction wrote the WAL while the request was served...
      const wrote = [...lastWrite.values()].some((t) => t > req.t);
      expect(wrote, `${what}: no WAL write while it was served`).toBe(true);
      // ...and nothing written to the WAL so far was left unsynced when it was acknowledged.
      for (const [file, written] of lastWrite) {
        const synced = lastSync.get(file) ?? -1n;
        expect(synced > written, `${what}: ${file} written, not synced, before the 2xx`).toBe(true);
      }
    }
    expect(acknowledged).toBe(1 + 8 + 8 + 4 + 1);
  });
});
