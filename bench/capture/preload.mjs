/**
 * Loaded into a daemon process with `node --import <this file>`:
 * records what the daemon asks of PGlite, without touching the daemon's
 * code. It wraps PGlite's public `query`, `exec` and `transaction` (and
 * times the exclusive section each statement runs in), and tags every
 * statement with the HTTP request it serves (AsyncLocalStorage around
 * http.Server's "request" and "upgrade" events).
 *
 *   ROSTER_BENCH_PGLITE_FROM  directory whose node_modules holds the daemon's PGlite
 *   ROSTER_BENCH_CAPTURE      file: one JSON line per statement / begin / commit
 *   ROSTER_BENCH_STMT_STATS   file: per-statement totals, written at exit
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync, existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const capture = process.env.ROSTER_BENCH_CAPTURE;
const statsFile = process.env.ROSTER_BENCH_STMT_STATS;
const from = process.env.ROSTER_BENCH_PGLITE_FROM ?? process.cwd();

/** @type {AsyncLocalStorage<{id: number, method?: string, url?: string}>} */
const requestStore = new AsyncLocalStorage();
/** @type {AsyncLocalStorage<{execMs: number, waitFrom: number, waitMs: number}>} */
const stmtStore = new AsyncLocalStorage();
let requests = 0;
let txs = 0;

const emit = http.Server.prototype.emit;
/** @this {http.Server} @param {string | symbol} event @param {any[]} args */
http.Server.prototype.emit = function (event, ...args) {
  if (event === "request" || event === "upgrade") {
    const req = /** @type {http.IncomingMessage} */ (args[0]);
    const tag = { id: ++requests, method: req.method, url: req.url };
    return requestStore.run(tag, () => emit.call(this, event, ...args));
  }
  return emit.call(this, event, ...args);
};

/** The daemon's `@electric-sql/pglite` ESM entry, found as Node would from `dir`. */
function pgliteEntry(dir) {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, "node_modules", "@electric-sql", "pglite", "package.json");
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, "utf8"));
      const rel = json.exports?.["."]?.import?.default ?? json.module ?? "dist/index.js";
      return realpathSync(join(dirname(pkg), rel));
    }
    if (dirname(d) === d) throw new Error(`bench preload: no @electric-sql/pglite above ${dir}`);
  }
}

/** JSON that keeps Dates, bytes and bigints recognisable. */
function encodeParams(params) {
  if (params === undefined) return undefined;
  return params.map(function enc(v) {
    if (v instanceof Date) return { $date: v.toISOString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
    if (typeof v === "bigint") return { $bigint: String(v) };
    if (Array.isArray(v)) return v.map(enc);
    return v;
  });
}

/** @type {Map<string, {route: string, text: string, n: number, execMs: number, waitMs: number, totalMs: number, inTx: number}>} */
const totals = new Map();

/** "GET /api/v2/orgs/:id/members" from a request line; "(no request)" for background work. */
function routeOf(route) {
  if (!route) return "(no request)";
  return route.replace(/\?.*$/, "").replace(/\/[0-9a-f]{16}(?=\/|$)/g, "/:id");
}

function record(rec) {
  if (capture) appendFileSync(capture, JSON.stringify(rec) + "\n");
  if (statsFile && rec.ev === "stmt") {
    const text = rec.text.replace(/\s+/g, " ").trim();
    const route = routeOf(rec.route);
    const key = `${route}\n${text}`;
    const t = totals.get(key) ?? { route, text, n: 0, execMs: 0, waitMs: 0, totalMs: 0, inTx: 0 };
    t.n++;
    t.execMs += rec.execMs;
    t.waitMs += rec.waitMs;
    t.totalMs += rec.totalMs;
    if (rec.tx) t.inTx++;
    totals.set(key, t);
  }
}

if (statsFile) {
  process.on("exit", () => {
    const rows = [...totals.values()];
    writeFileSync(statsFile, JSON.stringify({ pid: process.pid, statements: rows }, null, 1));
  });
}

/** Run one statement, timed; `tx` is the transaction number or 0. */
async function timed(kind, tx, text, params, run) {
  const req = requestStore.getStore();
  const start = performance.now();
  const t = { execMs: 0, waitFrom: start, waitMs: 0 };
  const result = await stmtStore.run(t, run);
  const totalMs = performance.now() - start;
  record({
    ev: "stmt",
    kind,
    tx,
    req: req?.id ?? 0,
    route: req ? `${req.method} ${req.url}` : undefined,
    t: performance.timeOrigin + start,
    text,
    params: capture ? encodeParams(params) : undefined,
    execMs: t.execMs,
    waitMs: t.waitMs,
    totalMs,
  });
  return result;
}

const { PGlite } = await import(pathToFileURL(pgliteEntry(from)).href);
record({ ev: "start", tx: 0, req: 0, t: performance.timeOrigin });

// PGlite.create (WASM compile, file-system bundle, Postgres start), timed.
const create = PGlite.create;
PGlite.create = async function (...args) {
  const t0 = performance.now();
  try {
    return await create.apply(this, args);
  } finally {
    record({
      ev: "create",
      tx: 0,
      req: 0,
      t: performance.timeOrigin + t0,
      ms: performance.now() - t0,
    });
  }
};

/** The prototype (of PGlite or a base class) that defines `name`. */
function owner(name) {
  let p = PGlite.prototype;
  while (p && !Object.prototype.hasOwnProperty.call(p, name)) p = Object.getPrototypeOf(p);
  return p;
}

const proto = owner("transaction");
if (!proto) throw new Error("bench preload: PGlite has no transaction() to wrap");
const { query, exec, transaction } = proto;
const listening = owner("listen");
const listen = listening?.listen;
const exclusive = owner("_runExclusiveQuery");
const _runExclusiveQuery = exclusive?._runExclusiveQuery;
// The daemon's storage may run transactions itself — `exec("begin")` …
// `exec("commit")` through its one queue, never PGlite's transaction() — so
// the statements between a top-level BEGIN and its COMMIT or ROLLBACK are
// that transaction's (PGlite has one connection: nothing else runs between).
/** @type {{tx: number, req: number, t0: number} | undefined} */
let explicit;
const BOUNDARY = /^\s*(begin|start transaction|commit|end|rollback)\b\s*;?\s*$/i;
/** A top-level BEGIN / COMMIT / ROLLBACK: recorded as the transaction's edges, not as statements. */
function boundary(text, run) {
  const word = BOUNDARY.exec(String(text))?.[1]?.toLowerCase();
  if (!word) return undefined;
  const req = requestStore.getStore();
  if (word === "begin" || word === "start transaction") {
    return run().then((v) => {
      const t0 = performance.now();
      explicit = { tx: ++txs, req: req?.id ?? 0, t0 };
      record({ ev: "begin", tx: explicit.tx, req: explicit.req, t: performance.timeOrigin + t0 });
      return v;
    });
  }
  const open = explicit;
  explicit = undefined;
  const done = (ev) => {
    if (!open) return;
    const t = performance.now();
    record({ ev, tx: open.tx, req: open.req, t: performance.timeOrigin + t, ms: t - open.t0 });
  };
  return run().then(
    (v) => {
      done(word === "rollback" ? "rollback" : "commit");
      return v;
    },
    (e) => {
      done("rollback");
      throw e;
    },
  );
}
proto.query = function (text, params, options) {
  const run = () => query.call(this, text, params, options);
  return boundary(text, run) ?? timed("query", explicit?.tx ?? 0, text, params, run);
};
proto.exec = function (text, options) {
  const run = () => exec.call(this, text, options);
  return boundary(text, run) ?? timed("exec", explicit?.tx ?? 0, text, undefined, run);
};
if (exclusive && typeof _runExclusiveQuery === "function") {
  // The section a statement holds PGlite for: its own cost, without the queue before it.
  exclusive._runExclusiveQuery = function (fn) {
    const t = stmtStore.getStore();
    if (!t) return _runExclusiveQuery.call(this, fn);
    return _runExclusiveQuery.call(this, async () => {
      const start = performance.now();
      t.waitMs += start - t.waitFrom;
      try {
        return await fn();
      } finally {
        t.execMs += performance.now() - start;
        t.waitFrom = performance.now();
      }
    });
  };
}
// A NOTIFY reaches its listener while PGlite handles the committing statement,
// i.e. inside that request's async context: what the listener starts (the
// change feed, the mail worker) is not that request's work.
if (listening && typeof listen === "function") {
  listening.listen = function (channel, callback, tx) {
    const outside = (...a) => requestStore.exit(() => callback(...a));
    return listen.call(this, channel, outside, tx);
  };
}

// When a request's answer is written (its own transactions committed before).
const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function (...args) {
  const req = requestStore.getStore();
  if (req)
    record({ ev: "response", tx: 0, req: req.id, t: performance.timeOrigin + performance.now() });
  return end.apply(this, args);
};

proto.transaction = function (callback) {
  const tx = ++txs;
  const req = requestStore.getStore();
  const t0 = performance.now();
  record({ ev: "begin", tx, req: req?.id ?? 0, t: performance.timeOrigin + t0 });
  const wrap = (inner) => ({
    query: (text, params, options) =>
      timed("query", tx, text, params, () => inner.query(text, params, options)),
    exec: (text, options) => timed("exec", tx, text, undefined, () => inner.exec(text, options)),
    sql: (...a) => inner.sql(...a),
    rollback: () => inner.rollback(),
    listen: (...a) => inner.listen(...a),
    get closed() {
      return inner.closed;
    },
  });
  return transaction
    .call(this, (inner) => callback(wrap(inner)))
    .then(
      (v) => {
        const t = performance.now();
        record({ ev: "commit", tx, req: req?.id ?? 0, t: performance.timeOrigin + t, ms: t - t0 });
        return v;
      },
      (e) => {
        record({ ev: "rollback", tx, req: req?.id ?? 0, ms: performance.now() - t0 });
        throw e;
      },
    );
};
