/**
 * Caps on live sessions, per user and per daemon (configurable: flags and
 * ROSTER_MAX_LIVE_SESSIONS[_PER_USER]), through real sockets: over a cap
 * the upgrade is refused before it happens with a plain HTTP 429, reason
 * `session_limit`, and `Retry-After`; a closed session frees its place.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveUrl } from "@roster/core/client";
import { parseDaemonArgs } from "@roster/daemon";
import WebSocket from "ws";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { eventually, record, type Recorder } from "./live-helpers.ts";

let d: InProcessDaemon;
let owner: OrgSetup;
let memberToken: string;

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    live: { maxSessions: 3, maxSessionsPerUser: 2, closeGraceMs: 500 },
  });
  owner = await d.setupOrg();
  const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "m@example.com" });
  memberToken = (await d.client().acceptInvite({ token: await d.activationToken(inv.id) })).token!;
});
afterAll(async () => {
  await d?.close();
});

/** A refused upgrade: status, Retry-After and the JSON body. */
function refusal(token: string): Promise<{ status: number; retryAfter?: string; body: any }> {
  const ws = new WebSocket(liveUrl(d.url, owner.orgID), {
    headers: { Authorization: `Token ${token}` },
  });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.once("end", () => {
        const retryAfter = res.headers["retry-after"];
        resolve({ status: res.statusCode ?? 0, retryAfter, body: JSON.parse(text) });
        ws.terminate();
      });
    });
    ws.once("open", () => {
      ws.close();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("error", (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

async function open(token: string): Promise<Recorder> {
  const r = await record(d.url, owner.orgID, token);
  r.hello(0);
  await r.next((m) => m.type === "ready");
  return r;
}

describe("live-session caps", () => {
  it("per user, then per daemon; a closed session frees its place", async () => {
    const a1 = await open(owner.token);
    const a2 = await open(owner.token);
    const mine = await refusal(owner.token);
    expect(mine.status).toBe(429);
    expect(mine.retryAfter).toBe("30");
    expect(mine.body).toMatchObject({ code: "too many requests", reason: "session_limit" });
    expect(mine.body.message).toMatch(/2 live sessions/);

    // Another user still gets in, up to the daemon's cap.
    const b1 = await open(memberToken);
    const full = await refusal(memberToken);
    expect(full.status).toBe(429);
    expect(full.body.reason).toBe("session_limit");
    expect(full.body.message).toMatch(/3 live sessions/);

    a1.close();
    await a1.closed;
    await eventually(() => expect(d.daemon.live.hub.stats().sessions).toBe(2));
    const b2 = await open(memberToken);
    expect(b2.ws.readyState).toBe(b2.ws.OPEN);
    for (const r of [a2, b1, b2]) r.close();
  });
});

describe("configuration", () => {
  it("flags and environment set the caps; bad values are usage errors", () => {
    const parsed = parseDaemonArgs(["--max-live-sessions", "500"], {
      ROSTER_MAX_LIVE_SESSIONS_PER_USER: "20",
    });
    if (parsed.help) throw new Error("unexpected help");
    expect(parsed.options.live).toEqual({ maxSessions: 500, maxSessionsPerUser: 20 });
    const none = parseDaemonArgs([], {});
    if (none.help) throw new Error("unexpected help");
    expect(none.options.live).toBeUndefined();
    expect(() => parseDaemonArgs(["--max-live-sessions-per-user", "0"], {})).toThrow(
      /whole number from 1/,
    );
  });
});
