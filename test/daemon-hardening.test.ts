/**
 * Daemon hardening, over real HTTP: Retry-After on 429 (R7), the Host
 * allowlist against DNS rebinding (WebSocket upgrade included), a /health
 * that checks the database, and `503 unavailable` (not 500) when the
 * database cannot be reached.
 */
import { request } from "node:http";
import { createServer, connect, type Server, type Socket } from "node:net";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { liveUrl } from "@roster/core/client";
import { parseDaemonArgs } from "@roster/daemon";
import { checkDatabase } from "@roster/daemon/testing";
import {
  http,
  startInProcessDaemon,
  startTestDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres.ts";

interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** One request with exactly the Host header given (fetch cannot set Host). */
function rawRequest(
  baseUrl: string,
  path: string,
  opts: { host?: string; method?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<RawResult> {
  const u = new URL(baseUrl);
  const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.host !== undefined) headers.Host = opts.host;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        path,
        method: opts.method ?? "GET",
        headers,
        setHost: opts.host === undefined,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Open the live WebSocket; resolves with the first server message, or the refusal status. */
function openLive(
  baseUrl: string,
  orgID: string,
  token: string,
  host?: string,
): Promise<{ status: number; first?: any }> {
  const ws = new WebSocket(liveUrl(baseUrl, orgID), {
    headers: { Authorization: `Token ${token}`, ...(host ? { Host: host } : {}) },
    handshakeTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once("open", () => ws.send(JSON.stringify({ type: "hello", since: 0 })));
    ws.once("message", (data) => {
      resolve({ status: 101, first: JSON.parse(Buffer.from(data as Buffer).toString("utf8")) });
      ws.close();
    });
    ws.once("error", (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}

const clock = { offset: 0 };
let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false, now: () => Date.now() + clock.offset });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

describe("429 resend_too_soon carries Retry-After", () => {
  it("says in the header, in whole seconds, what the message says; the body stays {code,message,reason}", async () => {
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "ra@example.com" });
    const r = await rawRequest(d.url, `/api/v2/orgs/${owner.orgID}/invites/${inv.id}/resend`, {
      method: "POST",
      headers: { Authorization: `Token ${owner.token}` },
    });
    expect(r.status).toBe(429);
    expect(Object.keys(r.body).sort()).toEqual(["code", "message", "reason"]);
    expect(r.body).toMatchObject({ code: "too many requests", reason: "resend_too_soon" });
    const retryAfter = r.headers["retry-after"];
    expect(retryAfter).toMatch(/^\d+$/);
    const seconds = Number(retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(r.body.message).toContain(`in ${seconds} s`);
  });

  it("is not recorded against the Idempotency-Key: the same request and key succeed after the delay", async () => {
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "rk@example.com" });
    const path = `/api/v2/orgs/${owner.orgID}/invites/${inv.id}/resend`;
    const opts = { token: owner.token, headers: { "Idempotency-Key": `resend-${inv.id}` } };
    const first = await http(d.url, "POST", path, opts);
    expect(first.status).toBe(429);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    clock.offset += 61_000;
    const second = await http(d.url, "POST", path, opts);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: inv.id, sendCount: 2 });
    // Now that key holds the 200: a third try replays it, with no second send.
    const third = await http(d.url, "POST", path, opts);
    expect(third.status).toBe(200);
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(third.body.sendCount).toBe(2);
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await http(d.url, "GET", "/api/v2/openapi.json")).body;
    const tooMany =
      doc.paths["/api/v2/orgs/{orgID}/invites/{inviteID}/resend"].post.responses["429"];
    expect(tooMany.headers["Retry-After"].schema.type).toBe("integer");
  });
});

describe("Host allowlist (DNS rebinding)", () => {
  const port = () => new URL(d.url).port;

  it("answers loopback names and IP addresses", async () => {
    for (const host of [
      `127.0.0.1:${port()}`,
      `localhost:${port()}`,
      "LOCALHOST.",
      `[::1]:${port()}`,
      "app.localhost",
      "10.1.2.3:8086",
    ]) {
      const r = await rawRequest(d.url, "/health", { host });
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
    }
  });

  it("refuses any other Host with 403 forbidden and a message that says how to allow it", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${port()}`,
      "localhost.evil.example",
      "127.0.0.1.nip.io",
    ]) {
      const r = await rawRequest(d.url, "/api/v2/setup", { host });
      expect({ host, status: r.status }).toEqual({ host, status: 403 });
      expect(r.body.code).toBe("forbidden");
      expect(r.body.message).toContain("ROSTER_ALLOWED_HOSTS");
      expect(r.body.message).toMatch(/DNS rebinding/);
    }
    const page = await rawRequest(d.url, "/activate/whatever", { host: "evil.example" });
    expect(page.status).toBe(403);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
  });

  it("refuses before anything runs: an authenticated mutation under another Host changes nothing", async () => {
    const before = await d.client(owner.token).listOrgs();
    const r = await rawRequest(d.url, "/api/v2/orgs", {
      host: "evil.example",
      method: "POST",
      headers: { Authorization: `Token ${owner.token}` },
      json: { name: "Rebound" },
    });
    expect(r.status).toBe(403);
    expect(await d.client(owner.token).listOrgs()).toEqual(before);
  });

  it("guards the live WebSocket upgrade too, which still works under the daemon's own URL", async () => {
    const refused = await openLive(d.url, owner.orgID, owner.token, "evil.example");
    expect(refused.status).toBe(403);
    const ok = await openLive(d.url, owner.orgID, owner.token);
    expect(ok.status).toBe(101);
    expect(ok.first.type).toBe("snapshot");
  });

  it("adds the public URL's host and --allowed-hosts names (a .domain allows its subdomains)", async () => {
    const other = await startInProcessDaemon({
      mail: false,
      host: "0.0.0.0",
      publicUrl: "https://roster.example.org",
      allowedHosts: ["admin.internal", ".corp.example"],
    });
    try {
      for (const [host, status] of [
        ["roster.example.org", 200],
        ["admin.internal:8086", 200],
        ["corp.example", 200],
        ["a.b.corp.example", 200],
        ["127.0.0.1", 200],
        ["evil.example", 403],
        ["xcorp.example", 403],
      ] as const) {
        const r = await rawRequest(other.url, "/health", { host });
        expect({ host, status: r.status }).toEqual({ host, status });
      }
    } finally {
      await other.close();
    }
  });

  it("bound to every interface with no public URL and no list, any Host is answered", async () => {
    const open = await startInProcessDaemon({ mail: false, host: "0.0.0.0" });
    try {
      const r = await rawRequest(open.url, "/health", { host: "roster.lan:8086" });
      expect(r.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("ROSTER_ALLOWED_HOSTS (comma list) and --allowed-hosts reach the daemon; a bad entry is a usage error", async () => {
    expect(parseDaemonArgs([], { ROSTER_ALLOWED_HOSTS: "a.example, .b.example" })).toMatchObject({
      help: false,
      options: { allowedHosts: ["a.example", ".b.example"] },
    });
    expect(
      parseDaemonArgs(["--allowed-hosts", "c.example"], { ROSTER_ALLOWED_HOSTS: "a.example" }),
    ).toMatchObject({ options: { allowedHosts: ["c.example"] } });
    expect(() => parseDaemonArgs(["--allowed-hosts", "a/b"], {})).toThrow(/not a host name/);

    const daemon = await startTestDaemon({
      env: { ROSTER_ALLOWED_HOSTS: "roster.test,*.wild.test" },
    });
    try {
      expect((await rawRequest(daemon.url, "/health", { host: "roster.test" })).status).toBe(200);
      expect((await rawRequest(daemon.url, "/health", { host: "a.wild.test" })).status).toBe(200);
      expect((await rawRequest(daemon.url, "/health", { host: "evil.example" })).status).toBe(403);
      // The log line is written asynchronously: wait for it rather than racing it.
      await vi.waitFor(
        () => expect(daemon.output()).toContain("refused a request for another host"),
        { timeout: 5000, interval: 50 },
      );
    } finally {
      await daemon.cleanup();
    }
  });
});

describe("no secret in messages", () => {
  it("a malformed --database-url or --smtp-url is refused without echoing its password", () => {
    for (const [flag, url] of [
      ["--database-url", "postgres://roster:s3cret-pw@db:badport/roster"],
      ["--smtp-url", "smtp://mailer:s3cret-pw@mail:badport"],
    ] as const) {
      let message = "";
      try {
        parseDaemonArgs([flag, url], {});
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`${flag} is not a URL`);
      expect(message).not.toContain("s3cret-pw");
    }
    // Without credentials the value is shown, to help.
    expect(() => parseDaemonArgs(["--public-url", "http://x:bad"], {})).toThrow(/"http:\/\/x:bad"/);
  });
});

describe("GET /health checks the database", () => {
  it("passes with a database check while the database answers", async () => {
    const r = await http(d.url, "GET", "/health");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: "pass",
      version: expect.any(String),
      checks: [{ name: "database", status: "pass" }],
    });
  });

  it("publishes the rule limits in force, for clients' local checks", async () => {
    const custom = await startInProcessDaemon({
      mail: false,
      resendIntervalS: 7,
      limits: { pendingLimit: 4 },
    });
    try {
      const r = await http(custom.url, "GET", "/health");
      expect(r.body).toMatchObject({
        limits: { pendingLimit: 4, resendIntervalS: 7, inviteTtlMs: 72 * 60 * 60 * 1000 },
      });
      // The invitation list reports the same limit, read from the database or from memory.
      const o = await custom.setupOrg();
      for (let i = 0; i < 2; i++) {
        const list = await custom.client(o.token).listInvites(o.orgID);
        expect(list.limit).toBe(4);
      }
    } finally {
      await custom.close();
    }
  });

  it("fails with 503 once the database is closed; the API answers 503 unavailable, not 500", async () => {
    const broken = await startInProcessDaemon({ mail: false });
    try {
      const o = await broken.setupOrg();
      await broken.daemon.storage.close();
      const h = await http(broken.url, "GET", "/health");
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({
        status: "fail",
        version: expect.any(String),
        checks: [{ name: "database", status: "fail", message: expect.any(String) }],
      });
      const me = await http(broken.url, "GET", "/api/v2/me", { token: o.token });
      expect(me.status).toBe(503);
      expect(me.body).toMatchObject({ code: "unavailable" });
      expect(me.text).not.toMatch(/at .*\.ts:\d+/);
      const write = await http(broken.url, "POST", "/api/v2/orgs", {
        token: o.token,
        json: { name: "x" },
        headers: { "Idempotency-Key": "while-down" },
      });
      expect(write.status).toBe(503);
    } finally {
      await broken.close();
    }
  });

  it("a database that never answers fails the check within its timeout", async () => {
    const started = Date.now();
    const hung = { query: () => new Promise<never>(() => undefined) };
    const r = await checkDatabase(hung, 200);
    expect(r).toMatchObject({ status: "fail", message: expect.stringContaining("200 ms") });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(
      await checkDatabase({ query: () => Promise.reject(new Error("boom")) }, 200),
    ).toMatchObject({ status: "fail" });
  });
});

/** A TCP relay to PostgreSQL that can be cut (every connection dropped, the port closed) and restored. */
async function relay(
  target: URL,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
    restore: listen,
  };
}

describe("GET /health on a PostgreSQL server", () => {
  let pg: TestPostgres | undefined;
  afterAll(async () => {
    await pg?.stop();
  });

  it("fails with 503 while the server cannot be reached, and passes again once it can", async () => {
    pg = await startTestPostgres();
    const dbUrl = new URL(await pg.createDatabase());
    const link = await relay(dbUrl);
    const viaRelay = new URL(dbUrl);
    viaRelay.hostname = "127.0.0.1";
    viaRelay.port = String(link.port);
    const daemon = await startInProcessDaemon({ mail: false, databaseUrl: viaRelay.toString() });
    try {
      expect((await http(daemon.url, "GET", "/health")).status).toBe(200);
      const o = await daemon.setupOrg();
      await link.cut();
      const started = Date.now();
      const h = await http(daemon.url, "GET", "/health");
      expect(Date.now() - started).toBeLessThan(5000);
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({
        status: "fail",
        checks: [{ name: "database", status: "fail" }],
      });
      expect(JSON.stringify(h.body)).not.toContain(String(link.port));
      const me = await http(daemon.url, "GET", "/api/v2/me", { token: o.token });
      expect(me.status).toBe(503);
      expect(me.body.code).toBe("unavailable");

      await link.restore();
      let back = 0;
      for (let i = 0; i < 50 && back !== 200; i++) {
        back = (await http(daemon.url, "GET", "/health")).status;
        if (back !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(back).toBe(200);
      expect((await http(daemon.url, "GET", "/api/v2/me", { token: o.token })).status).toBe(200);
    } finally {
      await daemon.close();
      await link.cut();
    }
  }, 90_000);
});
