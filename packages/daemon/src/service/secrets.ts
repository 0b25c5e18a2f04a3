/**
 * Ids and secrets. Secrets (API tokens, activation tokens) are 32 random
 * bytes, base64url, behind a prefix that names their kind (as GitHub's `ghp_`
 * does): a secret scanner can spot them, a person can tell them apart, and a
 * token never starts with `-` (which a command line would read as an option).
 * Only their SHA-256 hash is stored, and hashes are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new id: 16 hex characters, like InfluxDB's ids. */
export function newId(): string {
  return randomBytes(8).toString("hex");
}

export const SECRET_PREFIX = { api: "roster_tok_", invite: "roster_inv_" } as const;

export function newSecret(kind: keyof typeof SECRET_PREFIX): string {
  return SECRET_PREFIX[kind] + randomBytes(32).toString("base64url");
}

/** SHA-256 of a secret, hex: what the database keeps. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A new activation link's token and its hash (only the hash is kept once the email is sent). */
export function newLinkToken(): { token: string; hash: string } {
  const token = newSecret("invite");
  return { token, hash: hashSecret(token) };
}
