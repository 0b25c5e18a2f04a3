/**
 * API tokens (R13): only a token's SHA-256 is stored, with a description,
 * when it was created and last used, when it expires and whether it was
 * revoked. A revoked token's row stays (revoked_at set) but never
 * authenticates again; the NOTIFY tells every daemon on the database to
 * close the live sessions opened with it.
 */
import type { ApiToken } from "@roster/core";
import { iso } from "./rows.ts";
import type { Sql } from "./storage.ts";

/** NOTIFY channel of revoked tokens; payload: the token's id. */
export const TOKEN_REVOKED_CHANNEL = "roster_token_revoked";

export interface NewApiToken {
  id: string;
  userID: string;
  hash: string;
  description: string;
  expiresAt: string | null;
}

interface TokenRow {
  id: string;
  description: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  expires_at: Date | string | null;
}

const TOKEN_COLUMNS = "id, description, created_at, last_used_at, expires_at";

function toApiToken(r: TokenRow, currentID: string | undefined): ApiToken {
  return {
    id: r.id,
    description: r.description,
    createdAt: iso(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : iso(r.last_used_at),
    expiresAt: r.expires_at === null ? null : iso(r.expires_at),
    current: r.id === currentID,
  };
}

export async function insertApiToken(tx: Sql, token: NewApiToken, at: string): Promise<ApiToken> {
  const r = await tx.query<TokenRow>(
    `insert into api_tokens (id, user_id, token_hash, created_at, description, expires_at)
     values ($1, $2, $3, $4, $5, $6) returning ${TOKEN_COLUMNS}`,
    [token.id, token.userID, token.hash, at, token.description, token.expiresAt],
  );
  return toApiToken(r.rows[0]!, undefined);
}

/** The user's tokens that were not revoked (expired ones included), oldest first. */
export async function listApiTokens(
  sql: Sql,
  userID: string,
  currentID: string | undefined,
): Promise<ApiToken[]> {
  const r = await sql.query<TokenRow>(
    `select ${TOKEN_COLUMNS} from api_tokens where user_id = $1 and revoked_at is null
     order by created_at, id`,
    [userID],
  );
  return r.rows.map((row) => toApiToken(row, currentID));
}

/**
 * Revoke one of the user's tokens; false when the user has no such live
 * token. The NOTIFY (on commit) reaches every daemon's live sessions.
 */
export async function revokeApiToken(
  tx: Sql,
  userID: string,
  tokenID: string,
  at: string,
): Promise<boolean> {
  const r = await tx.query<{ id: string }>(
    `update api_tokens set revoked_at = $3
     where id = $1 and user_id = $2 and revoked_at is null
     returning id, pg_notify('${TOKEN_REVOKED_CHANNEL}', id)`,
    [tokenID, userID, at],
  );
  return r.rows.length > 0;
}

/** Record that these tokens authenticated requests at `at`. */
export async function touchApiTokens(sql: Sql, tokenIDs: readonly string[], at: string) {
  if (tokenIDs.length === 0) return;
  await sql.query(
    "update api_tokens set last_used_at = $2 where id = any($1::text[]) and revoked_at is null",
    [tokenIDs, at],
  );
}
