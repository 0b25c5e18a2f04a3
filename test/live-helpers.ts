/**
 * Helpers for the live-sync tests: a recording WebSocket client, upgrade
 * probes and a raw TCP WebSocket client that can misbehave (malformed
 * frames, never reading).
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { liveUrl, parseServerMessage } from "@roster/core/client";
import type { ServerMessage } from "@roster/core";

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data as Buffer).toString("utf8");
}

export interface Recorder {
  ws: WebSocket;
  messages: ServerMessage[];
  /** Resolves with the first message (from index `from`) matching `pred`. */
  next(
    pred: (m: ServerMessage) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<ServerMessage>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  hello(since: number): void;
  close(): void;
}

/** A `ws` client that records every server message. */
export function record(url: string, orgID: string, token: string): Promise<Recorder> {
  const ws = new WebSocket(liveUrl(url, orgID), { headers: { Authorization: `Token ${token}` } });
  const messages: ServerMessage[] = [];
  const waiters: {
    pred: (m: ServerMessage) => boolean;
    from: number;
    resolve: (m: ServerMessage) => void;
  }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("message", (data) => {
    const text = rawText(data);
    const m = parseServerMessage(text);
    if (!m) throw new Error(`invalid server message: ${text.slice(0, 200)}`);
    messages.push(m);
    for (const w of [...waiters]) {
      if (messages.length - 1 >= w.from && w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const rec: Recorder = {
    ws,
    messages,
    closed,
    next(pred, timeoutMs = 10_000, from = 0) {
      const found = messages.slice(from).find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, from, resolve: (m: ServerMessage) => (clearTimeout(t), resolve(m)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((x) => x.type))}`,
            ),
          );
        }, timeoutMs);
        waiters.push(w);
      });
    },
    hello(since) {
      ws.send(JSON.stringify({ type: "hello", since }));
    },
    close() {
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(rec));
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
    );
    ws.once("error", reject);
  });
}

/** Try an upgrade; resolves with the HTTP status of a refusal (or 101 when it was accepted). */
export function upgradeStatus(url: string, orgID: string, authorization?: string): Promise<number> {
  const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
  const ws = new WebSocket(liveUrl(url, orgID), { headers });
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("open", () => {
      resolve(101);
      ws.close();
    });
    ws.once("error", (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

/** A WebSocket client on a bare TCP socket: it can send any bytes and stop reading. */
export interface RawClient {
  socket: Socket;
  /** Bytes received after the handshake. */
  received(): number;
  /** Frames received so far (server frames are not masked). */
  frames(): { opcode: number; payload: Buffer }[];
  /** The code of the close frame received, if any. */
  closeCode(): number | undefined;
  /** Send one masked client frame. */
  frame(opcode: number, payload: Buffer, opts?: { fin?: boolean; mask?: boolean }): void;
  text(s: string): void;
  ended: Promise<void>;
}

/** `autoPong: false` makes a dead peer: pings are never answered. */
export function rawConnect(
  url: string,
  orgID: string,
  token: string,
  opts: { autoPong?: boolean } = {},
): Promise<RawClient> {
  const autoPong = opts.autoPong ?? true;
  let pongs = 0;
  const u = new URL(liveUrl(url, orgID));
  const socket = connect(Number(u.port), u.hostname);
  let head = "";
  let received = 0;
  let upgraded = false;
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const client: RawClient = {
    socket,
    received: () => received,
    frames: () => parseFrames(Buffer.concat(chunks)),
    closeCode() {
      const close = client.frames().find((f) => f.opcode === 0x8);
      return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
    },
    frame(opcode, payload, opts = {}) {
      const mask = opts.mask ?? true;
      const fin = opts.fin ?? true;
      const len = payload.length;
      const header: number[] = [(fin ? 0x80 : 0) | opcode];
      const m = mask ? 0x80 : 0;
      if (len < 126) header.push(m | len);
      else if (len < 65536) header.push(m | 126, len >> 8, len & 0xff);
      else {
        header.push(m | 127, 0, 0, 0, 0);
        header.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
      }
      if (!mask) {
        socket.write(Buffer.concat([Buffer.from(header), payload]));
        return;
      }
      const key = randomBytes(4);
      const body = Buffer.from(payload);
      for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
      socket.write(Buffer.concat([Buffer.from(header), key, body]));
    },
    text(s) {
      client.frame(0x1, Buffer.from(s, "utf8"));
    },
    ended,
  };
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.on("data", (d: Buffer) => {
      if (upgraded) {
        received += d.length;
        chunks.push(d);
        if (autoPong) {
          const pings = client.frames().filter((f) => f.opcode === 0x9);
          for (; pongs < pings.length; pongs++)
            client.frame(0xa, Buffer.from(pings[pongs]!.payload));
        }
        return;
      }
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = Number(head.split(" ")[1]);
      if (status !== 101) {
        reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
        socket.destroy();
        return;
      }
      upgraded = true;
      const rest = Buffer.from(head.slice(end + 4), "latin1");
      received += rest.length;
      chunks.push(rest);
      resolve(client);
    });
    socket.write(
      [
        `GET ${u.pathname} HTTP/1.1`,
        `Host: ${u.host}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        `Authorization: Token ${token}`,
        "",
        "",
      ].join("\r\n"),
    );
  });
}

function parseFrames(buf: Buffer): { opcode: number; payload: Buffer }[] {
  const out: { opcode: number; payload: Buffer }[] = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const opcode = buf[i]! & 0x0f;
    let len = buf[i + 1]! & 0x7f;
    let p = i + 2;
    if (len === 126) {
      if (p + 2 > buf.length) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (p + 8 > buf.length) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    if (p + len > buf.length) break;
    out.push({ opcode, payload: buf.subarray(p, p + len) });
    i = p + len;
  }
  return out;
}

export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  stepMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A TCP proxy in front of the daemon (HTTP and WebSocket pass through
 * untouched) that can cut connections abruptly, like a network failure.
 */
export interface ChaosProxy {
  url: string;
  /** Connections currently open. */
  readonly open: number;
  /** Destroy every open connection (or a random share of them). */
  cut(share?: number): number;
  close(): Promise<void>;
}

export async function startChaosProxy(target: string): Promise<ChaosProxy> {
  const { createServer } = await import("node:net");
  const t = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(Number(t.port), t.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    get open() {
      return pairs.size;
    },
    cut(share = 1) {
      let n = 0;
      for (const pair of [...pairs]) {
        if (Math.random() < share) {
          pair[0].destroy();
          pair[1].destroy();
          pairs.delete(pair);
          n++;
        }
      }
      return n;
    },
    close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A WebSocket proxy for the live endpoint that forwards frames both ways
 * but drops the server messages `drop` selects: an injected gap.
 */
export async function startDroppingProxy(
  target: string,
  drop: (msg: ServerMessage) => boolean,
): Promise<{ url: string; dropped: ServerMessage[]; close(): Promise<void> }> {
  const { WebSocketServer } = await import("ws");
  const dropped: ServerMessage[] = [];
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (down, req) => {
    const up = new WebSocket(new URL(req.url ?? "/", target.replace(/^http/, "ws")).toString(), {
      headers: { Authorization: req.headers.authorization ?? "" },
    });
    const pending: string[] = [];
    up.on("open", () => {
      for (const p of pending.splice(0)) up.send(p);
    });
    down.on("message", (data) => {
      const text = rawText(data);
      if (up.readyState === up.OPEN) up.send(text);
      else pending.push(text);
    });
    up.on("message", (data) => {
      const text = rawText(data);
      const msg = parseServerMessage(text);
      if (msg && drop(msg)) {
        dropped.push(msg);
        return;
      }
      if (down.readyState === down.OPEN) down.send(text);
    });
    up.on("close", (code) => down.close(code >= 4000 || code === 1000 ? code : 1001));
    down.on("close", () => up.close());
    up.on("error", () => down.terminate());
    down.on("error", () => up.terminate());
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** The server's view of an org (HTTP), to compare with a client's state. */
export async function serverState(
  client: import("@roster/core/client").RosterClient,
  orgID: string,
) {
  for (;;) {
    const [m, i] = await Promise.all([
      client.listMembers(orgID),
      client.listInvites(orgID, "open"),
    ]);
    if (m.version !== i.version) continue;
    return { version: m.version, members: m.members, invites: i.invites };
  }
}
