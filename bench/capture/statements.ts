/**
 * What one invitation costs the database, as the daemon itself runs it:
 * the statements preload.mjs logged for two `POST …/invites` requests,
 * turned into a template whose per-invitation values (ids, token, hash,
 * email, idempotency key, times) are replaced by fresh ones for every
 * replay, so the raw PGlite loop runs the same statements on the same data.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

export type Param = unknown;

export interface Statement {
  text: string;
  params: Param[] | undefined;
}

/** One invitation: the transactions its request ran, each a list of statements. */
export type Invitation = Statement[][];

export interface CaptureRecord {
  ev: "stmt" | "begin" | "commit" | "rollback" | "response" | "start" | "create";
  tx: number;
  req: number;
  route?: string;
  t?: number;
  text?: string;
  params?: Param[];
  execMs?: number;
  waitMs?: number;
  totalMs?: number;
  /** Duration of a transaction (commit, rollback) or of PGlite.create. */
  ms?: number;
}

export interface Captured {
  invitation: Invitation;
  /** Statements the request ran outside any transaction (auth, reads). */
  outside: Statement[];
  /** How the request's statements were found. */
  attribution: "request" | "time window";
}

export function readCapture(file: string): CaptureRecord[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaptureRecord);
}

/**
 * The transactions of the request `route` (method and path) that committed
 * before its answer was written, and its statements outside them; or —
 * when no statement carries a request (PGlite out of the request's async
 * context, e.g. in a worker) — the first transaction begun in [from, to].
 */
export function requestStatements(
  records: readonly CaptureRecord[],
  route: string,
  window: { from: number; to: number },
): Captured {
  const inWindow = (r: CaptureRecord) => (r.t ?? 0) >= window.from && (r.t ?? 0) <= window.to;
  const reqs = new Set(
    records.filter((r) => r.route === route && r.req > 0 && inWindow(r)).map((r) => r.req),
  );
  const stmt = (r: CaptureRecord): Statement => ({ text: r.text ?? "", params: r.params });
  const byTx = (txs: number[]) =>
    txs.map((tx) => records.filter((r) => r.ev === "stmt" && r.tx === tx).map(stmt));
  if (reqs.size > 0) {
    // The request's own transactions: committed before its answer was written.
    const answered = new Map(records.filter((r) => r.ev === "response").map((r) => [r.req, r.t]));
    const before = (r: CaptureRecord) => (r.t ?? 0) <= (answered.get(r.req) ?? Infinity);
    const txs = records
      .filter((r) => r.ev === "commit" && reqs.has(r.req) && before(r))
      .map((r) => r.tx);
    const outside = records.filter((r) => r.ev === "stmt" && reqs.has(r.req) && r.tx === 0);
    return { invitation: byTx(txs), outside: outside.map(stmt), attribution: "request" };
  }
  const first = records.find((r) => r.ev === "begin" && inWindow(r));
  if (!first) throw new Error(`no transaction of ${route} in the capture`);
  return { invitation: byTx([first.tx]), outside: [], attribution: "time window" };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/;

function isDateParam(v: unknown): v is { $date: string } {
  return typeof v === "object" && v !== null && "$date" in v;
}

/** Strings that differ between two captures of the same statements (by position). */
function varying(a: unknown, b: unknown, out: Set<string>): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    a.forEach((x, i) => varying(x, b[i], out));
  } else if (isDateParam(a) && isDateParam(b)) {
    if (a.$date !== b.$date) out.add(b.$date);
  } else if (typeof a === "string" && typeof b === "string" && a !== b) {
    out.add(b);
  }
}

export interface Template {
  invitation: Invitation;
  /** Per-invitation strings of the template, longest first (substring-safe). */
  varying: string[];
  /** The org the captures wrote to (replaced by each replay's org). */
  orgID: string;
  /** When the template's invitation was made (its times are shifted from there). */
  madeAt: number;
}

/** A template from two captures of the same request; throws if their statements differ. */
export function makeTemplate(first: Invitation, second: Invitation, orgID: string): Template {
  const shape = (inv: Invitation) => inv.map((tx) => tx.map((s) => s.text));
  if (JSON.stringify(shape(first)) !== JSON.stringify(shape(second)))
    throw new Error("the two captured invitations ran different statements");
  if (second.length === 0) throw new Error("the captured invitation ran no transaction");
  const out = new Set<string>();
  second.forEach((tx, i) => tx.forEach((s, j) => varying(first[i]![j]!.params, s.params, out)));
  // Whole JSON documents (the change, an idempotency record) are rebuilt from their parts.
  const parts = [...out].filter((v) => ![...out].some((w) => w !== v && v.includes(w)));
  const times = parts.filter((v) => ISO.test(v)).map((v) => Date.parse(v));
  return {
    invitation: second,
    varying: parts.sort((a, b) => b.length - a.length),
    orgID,
    madeAt: times.length ? Math.min(...times) : Date.now(),
  };
}

/** A fresh value shaped like `v`: same length and character classes (hex stays hex). */
export function freshLike(v: string): string {
  const hex = /^[0-9a-f]+$/i.test(v);
  const rnd = randomBytes(v.length);
  let i = 0;
  return v.replace(/[A-Za-z0-9]/g, (c) => {
    const r = rnd[i++]!;
    if (hex) return "0123456789abcdef"[r % 16]!;
    if (/[0-9]/.test(c)) return String(r % 10);
    const letter = String.fromCharCode(97 + (r % 26));
    return c === c.toUpperCase() ? letter.toUpperCase() : letter;
  });
}

/**
 * The template's statements for one more invitation into `orgID`, made at
 * `now`: every per-invitation string replaced (consistently, inside JSON
 * documents too), times shifted by `now - madeAt`.
 */
export function instantiate(t: Template, orgID: string, now: number): Invitation {
  const map = new Map<string, string>();
  for (const v of t.varying) {
    map.set(v, ISO.test(v) ? new Date(Date.parse(v) + now - t.madeAt).toISOString() : freshLike(v));
  }
  map.set(t.orgID, orgID);
  const keys = [...map.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(
    keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
    "g",
  );
  const sub = (s: string) => s.replace(pattern, (m) => map.get(m) ?? m);
  const param = (p: unknown): unknown => {
    if (typeof p === "string") return sub(p);
    if (Array.isArray(p)) return p.map(param);
    if (isDateParam(p)) return { $date: sub(p.$date) };
    return p;
  };
  return t.invitation.map((tx) => tx.map((s) => ({ text: s.text, params: s.params?.map(param) })));
}
