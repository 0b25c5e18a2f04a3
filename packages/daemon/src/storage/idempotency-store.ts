/**
 * Idempotency-Key records (SPEC §2): the first response to a (caller, key) is
 * stored in the same transaction as the mutation's effect, so a retry either
 * replays it or — if the first attempt rolled back — runs afresh; never twice.
 *
 * Responses may hold secrets (setup and accept return an API token), and
 * secrets are never stored in clear: a stored response is encrypted
 * (AES-256-GCM) with a key derived from the Idempotency-Key itself, which
 * only the original caller has. Rows are looked up by a hash of caller + key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Sql } from "../storage/storage.ts";

/** How long keys are kept (SPEC: at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 48 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  /** JSON body; undefined for an empty (204) response. */
  body?: unknown;
}

export interface IdempotencyKey {
  /**
   * Who is asking, as far as they proved it: a user id; for accept, the hash
   * of the invitation token in the body; for setup, "setup".
   */
  scope: string;
  key: string;
  /** Hash of what is asked (method, path, body): the same key for another request is refused. */
  requestHash: string;
}

function derive(label: string, k: IdempotencyKey): Buffer {
  return createHash("sha256").update(`roster-idempotency-${label}\0${k.scope}\0${k.key}`).digest();
}

/**
 * Hash of what is asked: method, path and the body as canonical JSON (object
 * keys sorted at every depth), so a retry whose client serialises the same
 * body with its keys in another order is the same request.
 */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${body === undefined ? "" : canonicalJson(body)}`)
    .digest("hex");
}

/** JSON with every object's keys in sorted order (arrays keep theirs). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

function encrypt(k: IdempotencyKey, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derive("enc", k), iv);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64");
}

function decrypt(k: IdempotencyKey, stored: string): string {
  const buf = Buffer.from(stored, "base64");
  const decipher = createDecipheriv("aes-256-gcm", derive("enc", k), buf.subarray(0, 12));
  decipher.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString("utf8");
}

export type Claim =
  { kind: "new" } | { kind: "replay"; response: StoredResponse } | { kind: "mismatch" };

/**
 * Claim the key inside `tx`. On PostgreSQL a concurrent holder of the same
 * key makes this wait until it commits (then: replay) or rolls back (then: new).
 */
export async function claimKey(tx: Sql, k: IdempotencyKey, now: number): Promise<Claim> {
  const id = derive("id", k).toString("hex");
  const ins = await tx.query<{ key_hash: string }>(
    `insert into idempotency (key_hash, request_hash, created_at) values ($1, $2, $3)
     on conflict (key_hash) do nothing returning key_hash`,
    [id, k.requestHash, new Date(now).toISOString()],
  );
  if (ins.rows.length > 0) return { kind: "new" };
  const r = await tx.query<{
    request_hash: string;
    status: number | null;
    response: string | null;
  }>("select request_hash, status, response from idempotency where key_hash = $1", [id]);
  const row = r.rows[0];
  if (!row || row.request_hash !== k.requestHash || row.status == null) return { kind: "mismatch" };
  const plain = row.response == null ? undefined : decrypt(k, row.response);
  return {
    kind: "replay",
    response: {
      status: Number(row.status),
      ...(plain === undefined ? {} : { body: JSON.parse(plain) }),
    },
  };
}

/** Record the response of a claimed key (same transaction as the effect). */
export async function storeResponse(
  tx: Sql,
  k: IdempotencyKey,
  res: StoredResponse,
): Promise<void> {
  await tx.query("update idempotency set status = $2, response = $3 where key_hash = $1", [
    derive("id", k).toString("hex"),
    res.status,
    res.body === undefined ? null : encrypt(k, JSON.stringify(res.body)),
  ]);
}

/** Forget keys older than the TTL. */
export async function pruneIdempotencyKeys(sql: Sql, now: number): Promise<void> {
  await sql.query("delete from idempotency where created_at < $1", [
    new Date(now - IDEMPOTENCY_TTL_MS).toISOString(),
  ]);
}
