/**
 * The live WebSocket protocol against a real daemon over real sockets:
 * auth before the upgrade, snapshot / resume / retention, revocation,
 * pings, malformed frames.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE, errors, type ChangeMessage, type ServerMessage } from "@roster/core";
import { LiveConnection, liveUrl, type LiveStatus } from "@roster/core/client";
import WebSocket from "ws";
import {
  startInProcessDaemon,
  http,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { eventually, rawConnect, record, upgradeStatus } from "./live-helpers.ts";

/** A refused upgrade as the client sees it: status, headers and the whole body. */
function upgradeRefusal(
  url: string,
  orgID: string,
  authorization?: string,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}> {
  const ws = new WebSocket(liveUrl(url, orgID), {
    headers: authorization ? { Authorization: authorization } : {},
  });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.once("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        ws.terminate();
      });
      res.once("error", reject);
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

const RETENTION = 8;
let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({
    changeRetention: RETENTION,
    resendIntervalS: 0,
    mail: false,
    live: { pingIntervalMs: 1000, helloTimeoutMs: 1500, closeGraceMs: 500 },
  });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

let seq = 0;
const email = () => `p${++seq}-${Date.now()}@example.com`;
const invite = () => d.client(owner.token).createInvite(owner.orgID, { email: email() });
const serverVersion = async () => (await d.client(owner.token).listMembers(owner.orgID)).version;
const isChange = (m: ServerMessage): m is ChangeMessage => m.type === "change";

/** A second member of the owner's org, with their own token. */
async function addMember(): Promise<{ userID: string; token: string }> {
  const inv = await invite();
  const token = await d.activationToken(inv.id);
  const r = await d.client().acceptInvite({ token, name: "Member" });
  return { userID: r.user.id, token: r.token! };
}

describe("upgrade", () => {
  it("is refused with plain HTTP 401/404 before any upgrade", async () => {
    expect(await upgradeStatus(d.url, owner.orgID)).toBe(401);
    expect(await upgradeStatus(d.url, owner.orgID, "Token not-a-real-token")).toBe(401);
    expect(await upgradeStatus(d.url, owner.orgID, `Basic ${owner.token}`)).toBe(401);
    expect(await upgradeStatus(d.url, "no-such-org", `Token ${owner.token}`)).toBe(404);
    const other = await d.client(owner.token).createOrg("Other org");
    const m = await addMember();
    expect(await upgradeStatus(d.url, other.id, `Token ${m.token}`)).toBe(404);
    expect(await upgradeStatus(d.url, owner.orgID, `Bearer ${owner.token}`)).toBe(101);
  });

  it("a refusal carries the API's JSON error body (and the 401 challenge), then closes", async () => {
    const body = (e: { code: string; reason?: string; message: string }) => ({
      code: e.code,
      reason: e.reason,
      message: e.message,
    });
    const none = await upgradeRefusal(d.url, owner.orgID);
    expect(none.status).toBe(401);
    expect(none.headers["content-type"]).toMatch(/^application\/json/);
    expect(none.headers["www-authenticate"]).toBe('Token realm="roster"');
    expect(none.headers.connection).toBe("close");
    expect(JSON.parse(none.text)).toEqual(body(errors.unauthorized()));

    const bad = await upgradeRefusal(d.url, owner.orgID, "Token not-a-real-token");
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.text)).toEqual(body(errors.unauthorized()));

    const notMine = await upgradeRefusal(d.url, "0123456789abcdef", `Token ${owner.token}`);
    expect(notMine.status).toBe(404);
    expect(notMine.headers["content-type"]).toMatch(/^application\/json/);
    expect(notMine.headers["www-authenticate"]).toBeUndefined();
    expect(JSON.parse(notMine.text)).toEqual(body(errors.orgNotFound()));
    // The daemon is fine afterwards.
    expect(await upgradeStatus(d.url, owner.orgID, `Token ${owner.token}`)).toBe(101);
  });

  it("a plain GET is told to upgrade", async () => {
    const r = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/live`, { token: owner.token });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/WebSocket/);
  });
});

describe("stream", () => {
  it("hello{since:0} gets a snapshot then ready, then every change live with version and prev", async () => {
    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(0);
    const ready = await r.next((m) => m.type === "ready");
    const snap = r.messages[0];
    expect(snap?.type).toBe("snapshot");
    if (snap?.type !== "snapshot" || ready.type !== "ready") throw new Error("unreachable");
    expect(ready.version).toBe(snap.version);
    expect(snap.version).toBe(await serverVersion());
    expect(snap.members.some((m) => m.userID === owner.userID)).toBe(true);
    expect(snap.org.id).toBe(owner.orgID);

    const inv = await invite();
    const c = await r.next(
      (m) => isChange(m) && m.change.type === "invite.created" && m.change.invite.id === inv.id,
    );
    if (!isChange(c)) throw new Error("unreachable");
    expect(c.version).toBe(snap.version + 1);
    expect(c.prev).toBe(snap.version);
    expect(c.actor).toEqual({ userID: owner.userID, email: owner.email });
    r.close();
  });

  it("a snapshot carries members and invitations as the list endpoints write them, byte for byte", async () => {
    // Warm the projection, then change it through the change feed (jsonb-built objects).
    const warm = await record(d.url, owner.orgID, owner.token);
    warm.hello(0);
    await warm.next((m) => m.type === "ready");
    const inv = await invite();
    await d.client(owner.token).resendInvite(owner.orgID, inv.id);
    await addMember();
    await warm.next((m) => isChange(m) && m.change.type === "invite.accepted");
    warm.close();

    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(0);
    await r.next((m) => m.type === "ready");
    const snap = r.messages[0];
    if (snap?.type !== "snapshot") throw new Error("expected a snapshot first");
    const members = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/members`, {
      token: owner.token,
    });
    const invites = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
    });
    expect(members.body.version).toBe(snap.version);
    expect(JSON.stringify(snap.members)).toBe(JSON.stringify(members.body.members));
    expect(JSON.stringify(snap.invites)).toBe(JSON.stringify(invites.body.invites));
    expect(snap.invites.find((i) => i.id === inv.id)?.sendCount).toBe(2);
    r.close();
  });

  it("resume from since=V gets exactly the changes after V, then ready", async () => {
    await invite();
    const v = await serverVersion();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await invite()).id);
    const now = await serverVersion();
    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(v);
    await r.next((m) => m.type === "ready");
    const changes = r.messages.filter(isChange);
    expect(r.messages.some((m) => m.type === "snapshot")).toBe(false);
    expect(changes.map((c) => c.version)).toEqual([v + 1, v + 2, v + 3, v + 4]);
    expect(changes.map((c) => c.prev)).toEqual([v, v + 1, v + 2, v + 3]);
    expect(
      changes.map((c) => (c.change.type === "invite.created" ? c.change.invite.id : "")),
    ).toEqual(ids);
    expect(r.messages.at(-1)).toEqual({ type: "ready", version: now });
    r.close();
  });

  it("resume at the current version gets nothing but ready", async () => {
    const v = await serverVersion();
    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(v);
    await r.next((m) => m.type === "ready");
    expect(r.messages).toEqual([{ type: "ready", version: v }]);
    r.close();
  });

  it("since older than the retained log gets a snapshot; the log is pruned to the retention", async () => {
    const v = await serverVersion();
    for (let i = 0; i < RETENTION + 4; i++)
      await d.client(owner.token).resendInvite(owner.orgID, (await invite()).id);
    const now = await serverVersion();
    await eventually(async () => {
      const log = await d.client(owner.token).changes(owner.orgID, 0);
      expect(log.oldest).toBeGreaterThan(v + 1);
      expect(log.changes.length).toBeLessThanOrEqual(RETENTION);
    });
    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(v);
    await r.next((m) => m.type === "ready");
    expect(r.messages.map((m) => m.type)).toEqual(["snapshot", "ready"]);
    expect(r.messages[0]).toMatchObject({ type: "snapshot", version: now });
    r.close();
  });

  it("since ahead of the daemon gets a snapshot", async () => {
    const r = await record(d.url, owner.orgID, owner.token);
    r.hello(1_000_000);
    await r.next((m) => m.type === "ready");
    expect(r.messages.map((m) => m.type)).toEqual(["snapshot", "ready"]);
    r.close();
  });
});

describe("revocation", () => {
  it("a removed member's session gets revoked and is closed; their reconnect is refused", async () => {
    const m = await addMember();
    const r = await record(d.url, owner.orgID, m.token);
    r.hello(0);
    await r.next((x) => x.type === "ready");
    const statuses: LiveStatus[] = [];
    const conn = new LiveConnection({
      url: d.url,
      token: m.token,
      orgID: owner.orgID,
      since: () => 0,
      handlers: { message: () => undefined, status: (s) => statuses.push(s) },
      backoff: { initialMs: 20, maxMs: 50 },
    });
    conn.start();
    await eventually(() => expect(conn.status).toBe("live"));

    await d.client(owner.token).removeMember(owner.orgID, m.userID);
    const revoked = await r.next((x) => x.type === "revoked");
    expect(revoked).toMatchObject({ type: "revoked" });
    const removal = r.messages.find((x) => isChange(x) && x.change.type === "member.removed");
    expect(removal).toBeDefined();
    expect((await r.closed).code).toBe(CLOSE.revoked);

    await eventually(() => expect(conn.status).toBe("revoked"));
    expect(await upgradeStatus(d.url, owner.orgID, `Token ${m.token}`)).toBe(404);
    // It stays revoked: no reconnect loop.
    await new Promise((res) => setTimeout(res, 300));
    expect(conn.status).toBe("revoked");
    expect(statuses.filter((s) => s === "live")).toHaveLength(1);
    conn.close();
  });

  it("a member removed before saying hello is revoked instead of getting a snapshot", async () => {
    const m = await addMember();
    const r = await record(d.url, owner.orgID, m.token);
    await d.client(owner.token).removeMember(owner.orgID, m.userID);
    const v = await serverVersion();
    await eventually(() =>
      expect(d.daemon.feed.deliveredVersion(owner.orgID)).toBeGreaterThanOrEqual(v),
    );
    r.hello(0);
    expect((await r.closed).code).toBe(CLOSE.revoked);
    expect(r.messages.map((x) => x.type)).toEqual(["revoked"]);
  });
});

describe("bad clients", () => {
  it("malformed frames close only their own socket, with a protocol error; everyone else is unharmed", async () => {
    const watcher = await record(d.url, owner.orgID, owner.token);
    watcher.hello(0);
    await watcher.next((m) => m.type === "ready");
    const before = d.daemon.live.hub.stats().protocolErrors;

    const cases: {
      name: string;
      send: (c: Awaited<ReturnType<typeof rawConnect>>) => void;
      codes: number[];
    }[] = [
      { name: "invalid JSON", send: (c) => c.text("{hello"), codes: [CLOSE.protocolError] },
      {
        name: "wrong shape",
        send: (c) => c.text(JSON.stringify({ type: "hello", since: -1 })),
        codes: [CLOSE.protocolError],
      },
      {
        name: "unknown field",
        send: (c) => c.text(JSON.stringify({ type: "hello", since: 0, x: 1 })),
        codes: [CLOSE.protocolError],
      },
      {
        name: "unknown type",
        send: (c) => c.text(JSON.stringify({ type: "subscribe" })),
        codes: [CLOSE.protocolError],
      },
      {
        name: "binary frame",
        send: (c) => c.frame(0x2, Buffer.from([1, 2, 3])),
        codes: [CLOSE.protocolError],
      },
      {
        name: "second hello",
        send: (c) => {
          c.text(JSON.stringify({ type: "hello", since: 0 }));
          c.text(JSON.stringify({ type: "hello", since: 0 }));
        },
        codes: [CLOSE.protocolError],
      },
      { name: "too big", send: (c) => c.text("x".repeat(100_000)), codes: [CLOSE.tooBig] },
      {
        name: "invalid UTF-8",
        send: (c) => c.frame(0x1, Buffer.from([0xff, 0xfe, 0xfd])),
        codes: [1007],
      },
      {
        name: "unmasked frame",
        send: (c) => c.frame(0x1, Buffer.from("{}"), { mask: false }),
        codes: [CLOSE.protocolError],
      },
      {
        name: "reserved opcode",
        send: (c) => c.frame(0x3, Buffer.from("x")),
        codes: [CLOSE.protocolError],
      },
      {
        name: "stray continuation",
        send: (c) => c.frame(0x0, Buffer.from("x")),
        codes: [CLOSE.protocolError],
      },
      {
        name: "garbage bytes",
        send: (c) => c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
        codes: [CLOSE.protocolError, 1009],
      },
    ];
    for (const t of cases) {
      const c = await rawConnect(d.url, owner.orgID, owner.token);
      t.send(c);
      await c.ended;
      expect(t.codes, `${t.name}: closed with ${c.closeCode()}`).toContain(c.closeCode());
    }
    expect(d.daemon.live.hub.stats().protocolErrors - before).toBeGreaterThanOrEqual(6);

    const inv = await invite();
    await watcher.next(
      (m) => isChange(m) && m.change.type === "invite.created" && m.change.invite.id === inv.id,
    );
    expect((await http(d.url, "GET", "/health")).status).toBe(200);
    watcher.close();
  });

  it("a socket that never says hello is closed", async () => {
    const c = await rawConnect(d.url, owner.orgID, owner.token);
    await c.ended;
    expect(c.closeCode()).toBe(CLOSE.protocolError);
  });

  it("a dead socket (no pong) is terminated while live ones stay", async () => {
    const watcher = await record(d.url, owner.orgID, owner.token);
    watcher.hello(0);
    await watcher.next((m) => m.type === "ready");
    const c = await rawConnect(d.url, owner.orgID, owner.token, { autoPong: false });
    c.text(JSON.stringify({ type: "hello", since: 0 }));
    const t0 = Date.now();
    await c.ended;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(c.frames().some((f) => f.opcode === 0x9)).toBe(true); // it was pinged
    expect(c.closeCode()).toBeUndefined(); // terminated, not closed politely
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN);
    const inv = await invite();
    await watcher.next(
      (m) => isChange(m) && m.change.type === "invite.created" && m.change.invite.id === inv.id,
    );
    watcher.close();
  });
});
