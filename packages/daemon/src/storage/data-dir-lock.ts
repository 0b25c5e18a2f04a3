/**
 * Exclusive lock on a daemon's data directory (SPEC §7). PGlite takes no lock
 * of its own and two processes on one directory silently lose data.
 *
 * The lock is a Unix-domain socket the daemon listens on,
 * `<dataDir>/daemon.<generation>.sock`: the holder is whoever listens on the
 * highest generation. Only a live process can accept a connection, so a
 * reused pid, a new host name or another pid namespace (a second container on
 * the same volume) fool nothing, and a dead holder's socket refuses
 * connections: it is stale and taken over. A socket appears under its
 * generation's name only once it listens (it is bound to a private name and
 * hard-linked into place; link() fails if the name exists), and a contender
 * takes generation n+1 only after finding generation n dead, so no two
 * starters can both win, and no take-over can displace a live holder.
 *
 * The socket is also the daemon's admin channel (see DataDirLock.serve):
 * mode 0600 in a 0700 directory, so only the OS user owning the data
 * directory can reach it. `GET /holder` answers who holds the lock, which a
 * refused second daemon prints.
 *
 * A clean stop replaces the socket by a plain file of the same name (the
 * generation must stay); a killed daemon's socket stays until the next start.
 *
 * `<dataDir>/daemon.lock` (JSON: pid, host, port, url, startedAt, socket) says
 * who holds it, for people and for `roster daemon status`; it is removed on a
 * clean stop and left behind by a killed daemon, but it is never what decides.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { listenOn, probeSocket, readText, requestOverSocket } from "./lock-socket.ts";

export const LOCK_FILE = "daemon.lock";
/** The admin route `roster backup` asks on the lock socket (see admin/admin-channel.ts). */
export const BACKUP_ROUTE = "/backup";
/** `GET`: what `roster daemon status` shows (see admin/admin-channel.ts, DaemonAdminStatus). */
export const STATUS_ROUTE = "/status";
/** `POST`: a clean shutdown, asked by `roster daemon stop`. */
export const STOP_ROUTE = "/stop";
const SOCKET_NAME = /^daemon\.(\d+)\.sock$/;
const socketName = (generation: number) => `daemon.${generation}.sock`;

export interface LockInfo {
  pid: number;
  host: string;
  /** Set once the daemon listens. */
  port?: number;
  url?: string;
  startedAt: string;
  /** Random id of this holder. */
  nonce: string;
  /** The lock socket's file name in the data directory. */
  socket?: string;
}

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo | undefined,
  ) {
    super(describeHolder(dataDir, holder));
  }
}

function describeHolder(dataDir: string, h: LockInfo | undefined): string {
  if (!h) {
    return `The data directory ${dataDir} is locked by another Roster daemon, which did not say who it is. Stop that daemon or use another --data-dir.`;
  }
  const where = h.url ? ` serving ${h.url}` : h.port ? ` on port ${h.port}` : " (starting)";
  return `Another Roster daemon is already using the data directory ${dataDir}: pid ${h.pid} on ${h.host}${where}, since ${h.startedAt}. Stop it first, or use another --data-dir.`;
}

export interface DataDirLock {
  /** `<dataDir>/daemon.lock`. */
  readonly path: string;
  readonly dataDir: string;
  readonly info: LockInfo;
  /** Record where the daemon listens, for the message a second daemon prints. */
  update(extra: { port?: number; url?: string }): void;
  /** Answer requests on the lock socket (other than GET /holder) with `handler`. */
  serve(handler: RequestListener | undefined): void;
  /** Stop listening and remove daemon.lock (if still ours). Idempotent. */
  release(): Promise<void>;
}

/** Take the lock of `dataDir`, or throw DataDirLockedError naming the live holder. */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString("hex"),
  };
  let admin: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/holder") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(info));
    } else if (admin) {
      admin(req, res);
    } else {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "unavailable", message: "The daemon is starting." }));
    }
  });
  const privateName = `.daemon-${info.nonce}.sock`;
  await listenOn(server, dir, privateName);
  try {
    chmodSync(join(dir, privateName), 0o600);
    const generation = await claimNextGeneration(dir, privateName);
    info.socket = socketName(generation);
  } catch (e) {
    await closeServer(server);
    throw e;
  } finally {
    tryUnlink(join(dir, privateName));
  }
  removeOlderSockets(dir, info.socket);
  const path = join(dir, LOCK_FILE);
  writeInfo(path, info);
  let released = false;
  return {
    path,
    dataDir: dir,
    info,
    update(extra) {
      if (released) return;
      Object.assign(info, extra);
      writeInfo(path, info);
    },
    serve(handler) {
      admin = handler;
    },
    async release() {
      if (released) return;
      released = true;
      const current = readLock(path);
      if (typeof current === "object" && current.nonce === info.nonce) tryUnlink(path);
      // The generation's name stays, for the next holder to take the one after
      // it, but as a plain file: a data directory copied while no daemon runs
      // holds no socket (cp and fs.cpSync cannot copy one).
      if (info.socket) buryGeneration(dir, info.socket, info.nonce);
      await closeServer(server);
    },
  };
}

/**
 * Link our listening socket in as the generation after the highest one, once
 * that one is found dead; throw DataDirLockedError if it is live.
 */
async function claimNextGeneration(dir: string, privateName: string): Promise<number> {
  let generation = highestGeneration(dir);
  for (;;) {
    if (generation > 0) {
      const state = await probeSocket(dir, socketName(generation));
      if (state !== "dead") throw await lockedError(dir, generation);
    }
    try {
      const mine = generation + 1;
      linkSync(join(dir, privateName), join(dir, socketName(mine)));
      // A whole take-over may have happened since we looked (and removed the
      // name we just took): then the higher generation decides.
      const highest = highestGeneration(dir);
      if (highest === mine) return mine;
      tryUnlink(join(dir, socketName(mine)));
      generation = highest;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Another starter took it first: that one is the one to ask next.
      generation++;
    }
  }
}

/**
 * The error a second daemon would get because a live daemon holds `dataDir`,
 * without creating or changing anything; undefined when no one holds it.
 */
export async function lockHolderError(dataDir: string): Promise<DataDirLockedError | undefined> {
  const dir = resolve(dataDir);
  const generation = highestGeneration(dir);
  if (generation === 0) return undefined;
  const state = await probeSocket(dir, socketName(generation));
  return state === "dead" ? undefined : lockedError(dir, generation);
}

/**
 * The lock socket of the daemon holding `dataDir` (its file name), if one
 * holds it: the CLI's admin channel to a running daemon.
 */
export async function liveLockSocket(dataDir: string): Promise<string | undefined> {
  const dir = resolve(dataDir);
  const generation = highestGeneration(dir);
  if (generation === 0) return undefined;
  const state = await probeSocket(dir, socketName(generation));
  return state === "dead" ? undefined : socketName(generation);
}

/** What the daemon holding a data directory said over its lock socket. */
export type HolderAnswer =
  | { state: "none" }
  /** A live socket that did not answer (busy, another user's, not a daemon). */
  | { state: "unreachable"; socket: string; error: string }
  | { state: "answered"; socket: string; status: number; body: string };

/**
 * Ask the daemon holding `dataDir`, over its lock socket (the admin channel):
 * `{state: "none"}` when no live process holds it. Never goes by a pid.
 */
export async function askLockHolder(
  dataDir: string,
  method: "GET" | "POST",
  path: string,
  timeoutMs = 5000,
): Promise<HolderAnswer> {
  const dir = resolve(dataDir);
  const socket = await liveLockSocket(dir);
  if (!socket) return { state: "none" };
  try {
    const res = await requestOverSocket(dir, socket, path, timeoutMs, method);
    return { state: "answered", socket, status: res.status, body: await readText(res.body) };
  } catch (e) {
    return { state: "unreachable", socket, error: (e as Error).message };
  }
}

/** Who holds the lock: asked over its socket, else (no answer in time) read from daemon.lock. */
async function lockedError(dir: string, generation: number): Promise<DataDirLockedError> {
  let holder: LockInfo | undefined;
  try {
    const res = await requestOverSocket(dir, socketName(generation), "/holder", 2000);
    const parsed = res.status === 200 ? parseInfo(await readText(res.body)) : undefined;
    holder = parsed;
  } catch {
    // Busy or not answering: fall back to the file.
  }
  if (!holder) {
    const file = readLock(join(dir, LOCK_FILE));
    if (typeof file === "object" && file.socket === socketName(generation)) holder = file;
  }
  return new DataDirLockedError(dir, holder);
}

function highestGeneration(dir: string): number {
  let highest = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  for (const name of names) {
    const m = SOCKET_NAME.exec(name);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  return highest;
}

/** Sockets of earlier generations are dead (each was found dead before the next was taken). */
function removeOlderSockets(dir: string, mine: string | undefined): void {
  const own = Number(SOCKET_NAME.exec(mine ?? "")?.[1] ?? 0);
  for (const name of readdirSync(dir)) {
    const m = SOCKET_NAME.exec(name);
    if (m && Number(m[1]) < own) tryUnlink(join(dir, name));
  }
}

/** Replace a socket by a plain file of the same name, atomically (it reads as dead either way). */
function buryGeneration(dir: string, name: string, nonce: string): void {
  const tmp = join(dir, `.released-${nonce}`);
  try {
    writeFileSync(tmp, "released\n", { mode: 0o600 });
    renameSync(tmp, join(dir, name));
  } catch {
    tryUnlink(tmp);
  }
}

function writeInfo(path: string, info: LockInfo): void {
  const tmp = `${path}.${info.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  renameSync(tmp, path);
}

export function readLock(path: string): LockInfo | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return "unreadable";
  }
  return parseInfo(text) ?? "unreadable";
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== "number" || typeof v.host !== "string") return undefined;
    return {
      pid: v.pid,
      host: v.host,
      startedAt: typeof v.startedAt === "string" ? v.startedAt : "an unknown time",
      nonce: typeof v.nonce === "string" ? v.nonce : "",
      ...(typeof v.port === "number" ? { port: v.port } : {}),
      ...(typeof v.url === "string" ? { url: v.url } : {}),
      ...(typeof v.socket === "string" ? { socket: v.socket } : {}),
    };
  } catch {
    return undefined;
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}
