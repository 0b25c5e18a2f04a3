/**
 * What every send of an invitation (create, R7 resend) writes, in one
 * statement: the invites row, a new activation token — only its hash is
 * stored, and invite_tokens keeps every hash ever issued so that a superseded
 * link is recognised — and the email queued in the outbox with the raw token
 * as its link.
 */
import type { Sql } from "../storage/storage.ts";
import { hashSecret, newSecret } from "./secrets.ts";

/** An insert into, or an update of, one invites row (no `returning`), with its parameters. */
export interface InviteWrite {
  text: string;
  params: unknown[];
}

/**
 * `write` gets the new token's hash (for `invites.token_hash`); the email is
 * queued for the row as written (its org, email, send_count and sent_at).
 */
export async function writeInviteSend(
  tx: Sql,
  write: (tokenHash: string) => InviteWrite,
): Promise<void> {
  const token = newSecret("invite");
  const { text, params } = write(hashSecret(token));
  await tx.query(
    `with i as (${text} returning id, org_id, email, send_count, sent_at, token_hash),
     t as (insert into invite_tokens (token_hash, invite_id, created_at) select token_hash, id, sent_at from i)
     insert into outbox (org_id, invite_id, send_number, to_email, link_token, next_attempt_at, created_at)
     select org_id, id, send_count, email, $${params.length + 1}, sent_at, sent_at from i`,
    [...params, token],
  );
}
