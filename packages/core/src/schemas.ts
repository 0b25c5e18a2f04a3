/**
 * zod schemas and TypeScript types of every entity, HTTP body (SPEC §2) and
 * WebSocket message (SPEC §3). Request bodies are strict: unknown fields are
 * refused.
 */
import { z } from "zod";
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, ROLES } from "./constants.ts";
import { nameProblem, type NameField } from "./names.ts";

export const Id = z.string().min(1).max(64);
export const IsoTime = z.string().datetime({ offset: true });

export const RoleSchema = z.enum(ROLES);
/** Stored status; `expired` is derived from the clock (see status.ts). */
export const StoredInviteStatusSchema = z.enum(["pending", "accepted", "withdrawn"]);
export const InviteStatusSchema = z.enum(["pending", "expired", "accepted", "withdrawn"]);
export type InviteStatus = z.infer<typeof InviteStatusSchema>;
export const DeliveryStateSchema = z.enum(["queued", "sent", "failed"]);
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const DeliverySchema = z.object({
  state: DeliveryStateSchema,
  attempts: z.number().int().nonnegative().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: IsoTime.optional(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const OrgSchema = z.object({ id: Id, name: z.string(), createdAt: IsoTime });
export type Org = z.infer<typeof OrgSchema>;

export const UserSchema = z.object({ id: Id, email: z.string(), name: z.string() });
export type User = z.infer<typeof UserSchema>;

export const MemberSchema = z.object({
  userID: Id,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  joinedAt: IsoTime,
});
export type Member = z.infer<typeof MemberSchema>;

export const InviteSchema = z.object({
  id: Id,
  orgID: Id,
  email: z.string(),
  role: RoleSchema,
  status: InviteStatusSchema,
  invitedBy: Id,
  createdAt: IsoTime,
  sentAt: IsoTime,
  expiresAt: IsoTime,
  sendCount: z.number().int().positive(),
  delivery: DeliverySchema,
});
export type Invite = z.infer<typeof InviteSchema>;

/**
 * The answer to the create or resend that minted a link: the invitation and,
 * when the daemon shows links (SPEC §2), the link itself. Never in lists or
 * the change log.
 */
export const InviteWithLinkSchema = InviteSchema.extend({
  activationURL: z.url().optional(),
});
export type InviteWithLink = z.infer<typeof InviteWithLinkSchema>;

export const ActorSchema = z.object({ userID: Id, email: z.string() }).nullable();
export type Actor = z.infer<typeof ActorSchema>;

/** One mutation of an org: exactly one per version (SPEC §3). */
export const ChangeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("member.added"), member: MemberSchema }),
  z.object({ type: z.literal("member.removed"), userID: Id, email: z.string() }),
  z.object({ type: z.literal("invite.created"), invite: InviteSchema }),
  z.object({ type: z.literal("invite.resent"), invite: InviteSchema }),
  z.object({ type: z.literal("invite.withdrawn"), invite: InviteSchema }),
  z.object({ type: z.literal("invite.accepted"), invite: InviteSchema, member: MemberSchema }),
  z.object({ type: z.literal("invite.delivery"), invite: InviteSchema }),
]);
export type Change = z.infer<typeof ChangeSchema>;
export type ChangeType = Change["type"];

export const ChangeEntrySchema = z.object({
  version: z.number().int().positive(),
  at: IsoTime,
  actor: ActorSchema,
  change: ChangeSchema,
});
export type ChangeEntry = z.infer<typeof ChangeEntrySchema>;

// ---------------------------------------------------------------- HTTP bodies

const Email = z.string().max(MAX_EMAIL_LENGTH * 4);

/**
 * R15: a name is printable text. A refusal is a custom issue carrying core's
 * error (reason invalid_name) in `params.domainError`, which the daemon
 * answers as is.
 */
function printable(field: NameField) {
  return (value: string, ctx: z.RefinementCtx) => {
    const problem = nameProblem(value, field);
    if (problem)
      ctx.addIssue({ code: "custom", message: problem.message, params: { domainError: problem } });
  };
}
const Name = z.string().trim().max(MAX_NAME_LENGTH).superRefine(printable("user"));
const OrgName = z.string().trim().min(1).max(MAX_NAME_LENGTH).superRefine(printable("org"));

export const SetupStatusSchema = z.object({ allowed: z.boolean() });
export const SetupRequestSchema = z.strictObject({
  org: OrgName,
  email: Email,
  name: Name.optional(),
});
export type SetupRequest = z.infer<typeof SetupRequestSchema>;
/** What signs a user in (setup, accept): their org, who they are, and their API token. */
const SignedInSchema = z.object({
  org: OrgSchema,
  user: UserSchema,
  token: z.string(),
});
export const SetupResponseSchema = SignedInSchema;
export type SetupResponse = z.infer<typeof SetupResponseSchema>;

/** The rule limits a daemon enforces (published in /health for local checks). */
export const LimitsSchema = z.object({
  pendingLimit: z.number().int().positive(),
  resendIntervalS: z.number().nonnegative(),
  inviteTtlMs: z.number().int().positive(),
});

export const HealthSchema = z
  .object({ status: z.literal("pass"), version: z.string(), limits: LimitsSchema.optional() })
  .loose();

export const MeSchema = UserSchema;
export const OrgsResponseSchema = z.object({
  orgs: z.array(OrgSchema.extend({ role: RoleSchema })),
});
export type OrgsResponse = z.infer<typeof OrgsResponseSchema>;
export const CreateOrgRequestSchema = z.strictObject({ name: OrgName });
export type CreateOrgRequest = z.infer<typeof CreateOrgRequestSchema>;

export const MembersResponseSchema = z.object({
  members: z.array(MemberSchema),
  version: z.number(),
});
export type MembersResponse = z.infer<typeof MembersResponseSchema>;

/**
 * `email` is deliberately loose here (any JSON value) so that the rule in
 * core, not the schema, answers a list or a bad address with its own reason.
 */
export const CreateInviteRequestSchema = z.strictObject({
  email: z.unknown(),
  role: z.unknown().optional(),
});
export type CreateInviteRequest = { email: string; role?: string };

export const InviteStatusFilterSchema = z.enum([
  "pending",
  "expired",
  "accepted",
  "withdrawn",
  "open",
  "all",
]);
export type InviteStatusFilter = z.infer<typeof InviteStatusFilterSchema>;
export const InvitesResponseSchema = z.object({
  invites: z.array(InviteSchema),
  pending: z.number().int(),
  limit: z.number().int(),
  version: z.number(),
});
export type InvitesResponse = z.infer<typeof InvitesResponseSchema>;

export const AcceptRequestSchema = z.strictObject({
  token: z.string().min(1).max(512),
  name: Name.optional(),
});
export type AcceptRequest = z.infer<typeof AcceptRequestSchema>;
/**
 * R9: a new account gets its first API token (shown once); an existing
 * account, which accepted signed in with its own token, gets none.
 */
export const AcceptResponseSchema = SignedInSchema.extend({
  token: z
    .string()
    .optional()
    .describe("The new account's first API token; absent for an existing account"),
});
export type AcceptResponse = z.infer<typeof AcceptResponseSchema>;

// ------------------------------------------------------------ API tokens (R13)

/** One of the caller's API tokens, as listed: never the secret nor its hash. */
export const ApiTokenSchema = z.object({
  id: Id,
  description: z.string(),
  createdAt: IsoTime,
  /** When it last authenticated a request (to the minute); null: never. */
  lastUsedAt: IsoTime.nullable(),
  /** When it stops working; null: never. */
  expiresAt: IsoTime.nullable(),
  /** Whether this is the token that made the request. */
  current: z.boolean(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
export const TokensResponseSchema = z.object({ tokens: z.array(ApiTokenSchema) });
export type TokensResponse = z.infer<typeof TokensResponseSchema>;
export const MAX_TOKEN_DESCRIPTION_LENGTH = 200;
export const CreateTokenRequestSchema = z.strictObject({
  description: z.string().trim().max(MAX_TOKEN_DESCRIPTION_LENGTH).optional(),
  /** When the token stops working (ISO 8601, in the future); absent: never. */
  expiresAt: IsoTime.optional(),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequestSchema>;
/** A created token: the listing's fields and, this once, the secret. */
export const CreatedTokenSchema = ApiTokenSchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export const ChangesResponseSchema = z.object({
  changes: z.array(ChangeEntrySchema),
  version: z.number().int().nonnegative(),
  /** Oldest version still retained; `since` below `oldest - 1` cannot be served. */
  oldest: z.number().int().nonnegative(),
});
export type ChangesResponse = z.infer<typeof ChangesResponseSchema>;

export const ErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  reason: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ------------------------------------------------------------ WebSocket (§3)

export const HelloSchema = z.strictObject({
  type: z.literal("hello"),
  since: z.number().int().nonnegative(),
});
export const ClientMessageSchema = z.discriminatedUnion("type", [HelloSchema]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const SnapshotMessageSchema = z.object({
  type: z.literal("snapshot"),
  version: z.number().int().nonnegative(),
  org: OrgSchema,
  members: z.array(MemberSchema),
  /** Open invitations: pending (including expired-by-clock ones). */
  invites: z.array(InviteSchema),
});
export type SnapshotMessage = z.infer<typeof SnapshotMessageSchema>;

export const ChangeMessageSchema = ChangeEntrySchema.extend({
  type: z.literal("change"),
  prev: z.number().int().nonnegative(),
});
export type ChangeMessage = z.infer<typeof ChangeMessageSchema>;

export const ServerMessageSchema = z.discriminatedUnion("type", [
  SnapshotMessageSchema,
  ChangeMessageSchema,
  /** Sent once the catch-up (snapshot or missed changes) is complete. */
  z.object({ type: z.literal("ready"), version: z.number().int().nonnegative() }),
  z.object({ type: z.literal("revoked"), message: z.string() }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** WebSocket close codes used by the daemon. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  tooBig: 1009,
  /** Slow consumer: reconnect and resume with hello{since}. */
  resume: 4000,
  /** The caller lost access to the org: do not reconnect. */
  revoked: 4003,
} as const;
