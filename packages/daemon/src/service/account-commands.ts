/**
 * The commands that make accounts: first-run setup (the first org, its owner
 * and an API token), accepting an invitation (R9; a new email becomes a user
 * with a first token) and the founding of an org. Each runs in the caller's
 * transaction; core decides the rules, as in service.ts.
 */
import {
  decideAccept,
  errors,
  foundingMember,
  ok,
  parseEmail,
  type ChangeEntry,
  type Org,
  type User,
} from "@roster/core";
import {
  closeInvite,
  findInviteByToken,
  insertMembership,
  loadMembers,
} from "../storage/org-store.ts";
import { insertApiToken } from "../storage/token-store.ts";
import { iso, toOrg } from "../storage/rows.ts";
import type { Sql } from "../storage/storage.ts";
import {
  anyOrgExists,
  findUserByEmail,
  lockEmail,
  lockSetup,
  upsertUser,
} from "../storage/user-store.ts";
import type { Caller, ServiceContext } from "./context.ts";
import { fail, unwrap } from "./domain-failure.ts";
import { runOrgCommand } from "./run-org-command.ts";
import { hashesEqual, hashSecret, newId, newSecret } from "./secrets.ts";

export interface SetupInput {
  org: string;
  email: unknown;
  name?: string | undefined;
}
export interface AcceptInput {
  token: string;
  name?: string | undefined;
}

/**
 * R9: a valid, unexpired, pending, current token makes its holder a member.
 * A new email becomes a user with a first API token. An email that already
 * has an account is accepted only by that account, signed in (`caller`):
 * the link alone is no credential, and no token is issued. Usable once.
 */
export async function acceptInvite(
  t: Sql,
  ctx: ServiceContext,
  input: AcceptInput,
  caller?: Caller,
) {
  const tokenHash = hashSecret(input.token);
  // Which org to lock: the link's invitation is read again under the lock.
  const found = (await findInviteByToken(t, tokenHash)) ?? fail(errors.inviteNotFound());
  const now = ctx.now();
  const at = iso(new Date(now));
  const { org, change, entry, result } = await runOrgCommand(t, found.invite.orgID, at, {
    load: async (t) => {
      const { invite, currentHash } =
        (await findInviteByToken(t, tokenHash)) ?? fail(errors.inviteNotFound());
      // Accepts of one new email (to two orgs) create its user one at a time.
      await lockEmail(t, invite.email);
      const existing = await findUserByEmail(t, invite.email);
      const user = existing ?? { id: newId(), email: invite.email, name: input.name ?? "" };
      const members = await loadMembers(t, invite.orgID, {
        userIDs: [user.id],
        emails: [invite.email],
      });
      return { invite, currentHash, user, isNew: !existing, members };
    },
    decide: (s) =>
      decideAccept(
        { orgID: s.invite.orgID, members: s.members, invites: [s.invite] },
        {
          invite: s.invite,
          tokenIsCurrent: hashesEqual(s.currentHash, tokenHash),
          user: s.user,
          now,
        },
      ),
    write: async (t, change, s) => {
      // After the rule: a dead link says why it is dead, whoever holds it.
      if (!s.isNew && caller?.userID !== s.user.id) fail(errors.signInRequired(s.user.email));
      if (s.isNew) await createUser(t, s.user, at);
      await insertMembership(t, change.invite.orgID, change.member);
      await closeInvite(t, change.invite);
      const token = s.isNew
        ? await issueApiToken(t, s.user.id, at, "first token (invitation)")
        : undefined;
      return { user: s.user, token };
    },
    actor: (s) => ({ userID: s.user.id, email: s.user.email }),
  });
  return { ...result, org: toOrg(org), member: change.member, entry };
}

/** First-run setup (SPEC §2): while no org exists, the first org, its owner and an API token. */
export async function setupFirstOrg(t: Sql, ctx: ServiceContext, input: SetupInput) {
  await lockSetup(t);
  if (await anyOrgExists(t)) fail(errors.setupDone());
  const email = unwrap(parseEmail(input.email ?? ""));
  const now = ctx.now();
  const at = iso(new Date(now));
  const user = await createUser(t, { id: newId(), email, name: input.name ?? "" }, at);
  const created = await createOrgWithOwner(t, input.org, user, now);
  return {
    ...created,
    user,
    token: await issueApiToken(t, user.id, at, "first token (setup)"),
  };
}

/** A new org whose only member is `user` (its change version 1: the founding member). */
export async function createOrgWithOwner(
  tx: Sql,
  name: string,
  user: User,
  now: number,
): Promise<{ org: Org; entry: ChangeEntry }> {
  const at = iso(new Date(now));
  const org: Org = { id: newId(), name, createdAt: at };
  const { entry } = await runOrgCommand(tx, { create: org }, at, {
    load: async () => user,
    decide: (founder) => ok(foundingMember(founder, now)),
    write: (t, change) => insertMembership(t, org.id, change.member),
    actor: (founder) => ({ userID: founder.id, email: founder.email }),
  });
  return { org, entry };
}

/** Insert a new user; the stored one (an existing user with the email wins). */
async function createUser(tx: Sql, user: User, at: string): Promise<User> {
  return (
    (await upsertUser(tx, user, at)) ?? fail(errors.invalidBody("The user could not be created."))
  );
}

async function issueApiToken(
  tx: Sql,
  userID: string,
  at: string,
  description: string,
): Promise<string> {
  const token = newSecret("api");
  const row = { id: newId(), userID, hash: hashSecret(token), description, expiresAt: null };
  await insertApiToken(tx, row, at);
  return token;
}
