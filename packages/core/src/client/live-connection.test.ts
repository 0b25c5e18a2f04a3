/**
 * LiveConnection against a scripted WebSocket server (real sockets): the
 * header, hello/resume, validation, reconnect policy by close code and
 * upgrade status, the idle timeout, and the backoff schedule.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { CLOSE, type ServerMessage } from "../schemas.ts";
import { backoffDelay, LiveConnection, liveUrl, type LiveStatus } from "./live-connection.ts";

interface Fake {
  url: string;
  /** Upgrade requests seen (url, authorization). */
  requests: { url: string; authorization: string | undefined }[];
  /** hello messages received, per connection. */
  hellos: number[];
  /** Answer the next upgrades with this status instead of accepting (e.g. 401); undefined accepts. */
  refuseWith: number | undefined;
  onConnection: (ws: WebSocket, n: number) => void;
  close(): Promise<void>;
}

const fakes: Fake[] = [];
const conns: LiveConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const f of fakes.splice(0)) await f.close();
});

async function fake(onConnection: Fake["onConnection"] = () => undefined): Promise<Fake> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const f: Fake = {
    url: "",
    requests: [],
    hellos: [],
    refuseWith: undefined,
    onConnection,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
  let n = 0;
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    f.requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (f.refuseWith !== undefined) {
      socket.end(
        `HTTP/1.1 ${f.refuseWith} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const k = n++;
      ws.on("message", (d) => {
        const m = JSON.parse(Buffer.from(d as Buffer).toString("utf8")) as {
          type: string;
          since: number;
        };
        if (m.type === "hello") f.hellos.push(m.since);
      });
      f.onConnection(ws, k);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fakes.push(f);
  return f;
}

function connect(
  f: Fake,
  since: () => number,
  extra: Partial<ConstructorParameters<typeof LiveConnection>[0]> = {},
) {
  const messages: ServerMessage[] = [];
  const statuses: LiveStatus[] = [];
  const helloSince: number[] = [];
  const c = new LiveConnection({
    url: f.url,
    token: "secret-token",
    orgID: "org 1",
    since,
    handlers: {
      message: (m) => messages.push(m),
      status: (s) => statuses.push(s),
      hello: (s) => helloSince.push(s),
    },
    backoff: { initialMs: 10, maxMs: 40 },
    ...extra,
  });
  conns.push(c);
  c.start();
  return { c, messages, statuses, helloSince };
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const snapshot = (version: number) =>
  JSON.stringify({
    type: "snapshot",
    version,
    org: { id: "org 1", name: "O", createdAt: "2025-01-01T00:00:00.000Z" },
    members: [],
    invites: [],
  });

describe("LiveConnection", () => {
  it("sends the token in the Authorization header only, says hello{since}, reports live on ready", async () => {
    const f = await fake((ws) => {
      ws.on("message", () => {
        ws.send(snapshot(3));
        ws.send(JSON.stringify({ type: "ready", version: 3 }));
      });
    });
    const { c, messages, statuses } = connect(f, () => 0);
    await until(() => c.status === "live");
    expect(f.requests[0]?.authorization).toBe("Token secret-token");
    expect(f.requests[0]?.url).toBe("/api/v2/orgs/org%201/live");
    expect(f.requests[0]?.url).not.toContain("secret");
    expect(f.hellos).toEqual([0]);
    expect(messages.map((m) => m.type)).toEqual(["snapshot", "ready"]);
    expect(statuses).toEqual(["connecting", "live"]);
  });

  it("reconnects after a drop and resumes from since()", async () => {
    let version = 0;
    const f = await fake((ws, n) => {
      ws.on("message", () => {
        ws.send(JSON.stringify({ type: "ready", version: 5 + n }));
        if (n === 0) setTimeout(() => ws.terminate(), 20);
      });
    });
    const { c, statuses, helloSince } = connect(f, () => version);
    await until(() => c.status === "live");
    version = 5;
    await until(() => f.hellos.length === 2 && c.status === "live");
    expect(f.hellos).toEqual([0, 5]);
    expect(helloSince).toEqual([0, 5]);
    expect(statuses).toContain("reconnecting");
  });

  it("a frame that is not a valid server message closes the socket and starts again; nothing is delivered", async () => {
    const f = await fake((ws, n) => {
      ws.on("message", () => {
        if (n === 0) ws.send(JSON.stringify({ type: "change", version: "x" }));
        else ws.send(JSON.stringify({ type: "ready", version: 1 }));
      });
    });
    const { c, messages } = connect(f, () => 0);
    await until(() => c.status === "live");
    expect(f.requests).toHaveLength(2);
    expect(messages).toEqual([{ type: "ready", version: 1 }]);
  });

  it("CLOSE.resume reconnects at once", async () => {
    const f = await fake((ws, n) => {
      ws.on("message", () => {
        ws.send(JSON.stringify({ type: "ready", version: 1 }));
        if (n === 0) ws.close(CLOSE.resume, "too slow");
      });
    });
    const { c } = connect(f, () => 1, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await until(() => f.hellos.length === 2 && c.status === "live", 2000);
  });

  it("revoked (message + CLOSE.revoked) stops for good", async () => {
    const f = await fake((ws) => {
      ws.on("message", () => {
        ws.send(JSON.stringify({ type: "ready", version: 1 }));
        ws.send(
          JSON.stringify({ type: "revoked", message: "You were removed from this organization." }),
        );
        ws.close(CLOSE.revoked, "access revoked");
      });
    });
    const { c, messages } = connect(f, () => 0);
    await until(() => c.status === "revoked");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
    expect(messages.at(-1)).toEqual({
      type: "revoked",
      message: "You were removed from this organization.",
    });
  });

  it("CLOSE.revoked alone stops for good", async () => {
    const f = await fake((ws) => ws.on("message", () => ws.close(CLOSE.revoked, "access revoked")));
    const { c } = connect(f, () => 0);
    await until(() => c.status === "revoked");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
  });

  it.each([401, 404])("an upgrade refused with %i stops for good", async (status) => {
    const f = await fake();
    f.refuseWith = status;
    const { c } = connect(f, () => 0);
    await until(() => c.status === "revoked");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
  });

  it("an upgrade refused with 503 or a refused connection is offline and retried", async () => {
    const f = await fake((ws) =>
      ws.on("message", () => ws.send(JSON.stringify({ type: "ready", version: 0 }))),
    );
    f.refuseWith = 503;
    const { c, statuses } = connect(f, () => 0);
    await until(() => f.requests.length >= 3);
    expect(c.status).toBe("offline");
    f.refuseWith = undefined;
    await until(() => c.status === "live");
    expect(statuses).toContain("offline");
  });

  it("a daemon that is not there at all is offline until it comes", async () => {
    const f = await fake();
    const url = f.url;
    await f.close();
    fakes.splice(fakes.indexOf(f), 1);
    const { c } = connect({ ...f, url }, () => 0);
    await until(() => c.status === "offline");
  });

  it("a socket that goes silent (no frames, no pings) is replaced", async () => {
    const f = await fake((ws, n) => {
      ws.on("message", () => {
        ws.send(JSON.stringify({ type: "ready", version: 0 }));
        void n; // connection 0 then says nothing, ever
      });
    });
    const { c } = connect(f, () => 0, { idleTimeoutMs: 100 });
    await until(() => f.requests.length >= 2, 3000);
    expect(["live", "reconnecting", "connecting"]).toContain(c.status);
  });

  it("close() stops everything", async () => {
    const f = await fake((ws) =>
      ws.on("message", () => ws.send(JSON.stringify({ type: "ready", version: 0 }))),
    );
    const { c } = connect(f, () => 0);
    await until(() => c.status === "live");
    c.close();
    expect(c.status).toBe("closed");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
  });
});

describe("backoff and URLs", () => {
  it("grows exponentially, is capped, and is jittered downwards", () => {
    const o = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(3, o, () => 1)).toBe(200);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, o);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(200);
    }
  });

  it("maps http(s) to ws(s) and never carries a token", () => {
    expect(liveUrl("http://127.0.0.1:8086/", "a/b")).toBe(
      "ws://127.0.0.1:8086/api/v2/orgs/a%2Fb/live",
    );
    expect(liveUrl("https://roster.example.com", "o")).toBe(
      "wss://roster.example.com/api/v2/orgs/o/live",
    );
  });
});
