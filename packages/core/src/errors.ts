/**
 * Error codes (InfluxDB v2 strings), their HTTP statuses, the stable reason
 * slugs of SPEC §1 and the user-facing messages. The daemon, the CLI and the
 * TUI all take their words from here.
 */
export const ERROR_CODES = [
  "invalid",
  "unauthorized",
  "forbidden",
  "not found",
  "conflict",
  "too many requests",
  "request too large",
  "unsupported media type",
  "internal error",
  "unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  "not found": 404,
  conflict: 409,
  "too many requests": 429,
  "request too large": 413,
  "unsupported media type": 415,
  "internal error": 500,
  unavailable: 503,
};

export function codeForStatus(status: number): ErrorCode {
  for (const code of ERROR_CODES) if (HTTP_STATUS[code] === status) return code;
  return status >= 500 ? "internal error" : "invalid";
}

/** Stable machine-readable reasons for domain errors. */
export type Reason =
  | "invalid_email"
  | "multiple_emails"
  | "invalid_role"
  | "invalid_body"
  | "invalid_name"
  | "pending_limit"
  | "already_member"
  | "already_invited"
  | "resend_too_soon"
  | "rate_limited"
  | "cannot_remove_self"
  | "invite_expired"
  | "invite_withdrawn"
  | "invite_accepted"
  | "invite_superseded"
  | "invite_not_found"
  | "member_not_found"
  | "org_not_found"
  | "setup_done"
  | "unauthorized"
  | "sign_in_required"
  | "token_not_found"
  | "invalid_expiry"
  | "session_limit"
  | "idempotency_key_reused"
  | "invalid_query";

export interface DomainError {
  code: ErrorCode;
  reason?: Reason;
  message: string;
  /**
   * For `too many requests`: whole seconds until the request can succeed.
   * The daemon answers it as the `Retry-After` header; it is not part of the
   * JSON error body (`{code, message, reason}`), whose message says it too.
   */
  retryAfterS?: number;
}

const e = (code: ErrorCode, reason: Reason | undefined, message: string): DomainError =>
  reason === undefined ? { code, message } : { code, reason, message };

/**
 * The errors whose words never change, one row each: [code, reason, message].
 * `errors` below makes each a constructor like the others.
 */
const FIXED = {
  emptyEmail: ["invalid", "invalid_email", "An email address is required."],
  multipleEmails: [
    "invalid",
    "multiple_emails",
    "Invite one person at a time: give a single email address, not a list.",
  ],
  cannotRemoveSelf: [
    "forbidden",
    "cannot_remove_self",
    "You cannot remove yourself from an organization. Have another member remove you.",
  ],
  inviteExpired: [
    "conflict",
    "invite_expired",
    "This invitation has expired. Ask the person who invited you to resend it.",
  ],
  inviteWithdrawn: ["conflict", "invite_withdrawn", "This invitation was withdrawn."],
  inviteAccepted: ["conflict", "invite_accepted", "This invitation has already been accepted."],
  /** Resend or withdraw of an invitation that was withdrawn (accept says `inviteWithdrawn`). */
  inviteAlreadyWithdrawn: [
    "conflict",
    "invite_withdrawn",
    "This invitation was already withdrawn, so it can no longer be resent or withdrawn. Invite the person again.",
  ],
  inviteSuperseded: [
    "conflict",
    "invite_superseded",
    "This link was replaced by a newer one: the invitation was sent again. Use the link in the most recent email.",
  ],
  inviteNotFound: ["not found", "invite_not_found", "No invitation matches this link."],
  /** An invitation id (resend, withdraw) that names no invitation of the org: there is no link here. */
  noSuchInvite: [
    "not found",
    "invite_not_found",
    "There is no such invitation in this organization.",
  ],
  memberNotFound: [
    "not found",
    "member_not_found",
    "That user is not a member of this organization.",
  ],
  orgNotFound: ["not found", "org_not_found", "Organization not found."],
  tokenNotFound: ["not found", "token_not_found", "You have no API token with this id."],
  tokenExpiryPast: [
    "invalid",
    "invalid_expiry",
    "The expiry must be in the future (an ISO 8601 time such as 2030-01-31T00:00:00Z).",
  ],
  setupDone: [
    "conflict",
    "setup_done",
    "Roster is already set up on this daemon. To join an organization, ask one of its owners to invite you, then accept the invitation.",
  ],
  unauthorized: [
    "unauthorized",
    "unauthorized",
    "A valid API token is required (Authorization: Token <token>, or Bearer <token>).",
  ],
  idempotencyKeyReused: [
    "conflict",
    "idempotency_key_reused",
    "This Idempotency-Key was already used for a different request.",
  ],
} as const satisfies Record<string, readonly [ErrorCode, Reason, string]>;

type FixedErrors = { readonly [K in keyof typeof FIXED]: () => DomainError };
const fixedErrors = Object.fromEntries(
  Object.entries(FIXED).map(([name, [code, reason, message]]) => [
    name,
    () => e(code, reason, message),
  ]),
) as FixedErrors;

/** Constructors for every domain error, so the words are written once. */
export const errors = {
  ...fixedErrors,
  invalidEmail: (input: unknown): DomainError =>
    e("invalid", "invalid_email", `${quoted(input)} is not a valid email address.`),
  invalidRole: (role: unknown): DomainError =>
    e("invalid", "invalid_role", `${quoted(role)} is not a role. Roles: owner.`),
  invalidBody: (message: string): DomainError => e("invalid", "invalid_body", message),
  /** R15: `what` names the character, e.g. "a bidirectional override (U+202E)". */
  invalidName: (field: "org" | "user", what: string): DomainError =>
    e(
      "invalid",
      "invalid_name",
      `The ${field === "org" ? "organization" : "user"} name contains ${what}. Names must be printable text.`,
    ),
  /** A live-session cap (per user, or of the whole daemon) is reached. */
  sessionLimit: (limit: number, scope: "user" | "daemon"): DomainError => ({
    ...e(
      "too many requests",
      "session_limit",
      scope === "user"
        ? `You already have ${limit} live sessions open on this daemon, the most one account may have. Close one, or try again later.`
        : `This daemon already serves ${limit} live sessions, the most it takes. Try again later.`,
    ),
    retryAfterS: 30,
  }),
  /** R9: the invited email has an account; only that account, signed in, may accept. */
  signInRequired: (email: string): DomainError =>
    e(
      "unauthorized",
      "sign_in_required",
      `${email} already has a Roster account, and an invitation link alone does not sign anyone in. Accept it signed in as ${email}: run \`roster accept <link>\` where you are signed in to Roster (or send the request with that account's Authorization: Token <token>).`,
    ),
  pendingLimit: (limit: number): DomainError =>
    e(
      "conflict",
      "pending_limit",
      `This organization already has ${limit} pending invitations, the most it can have. Withdraw one, or wait until some are accepted or expire.`,
    ),
  alreadyMember: (email: string): DomainError =>
    e("conflict", "already_member", `${email} is already a member of this organization.`),
  alreadyInvited: (email: string): DomainError =>
    e(
      "conflict",
      "already_invited",
      `${email} already has a pending invitation. Resend that invitation instead.`,
    ),
  resendTooSoon: (retryAfterSeconds: number): DomainError => ({
    ...e(
      "too many requests",
      "resend_too_soon",
      `This invitation was sent moments ago. Try resending again in ${retryAfterSeconds} s.`,
    ),
    retryAfterS: retryAfterSeconds,
  }),
  /** R14: too many new orgs by one user in a day. */
  orgCreationsRateLimited: (limit: number, retryAfterS: number): DomainError =>
    rateLimited(
      `You have created ${limit} organizations in the last 24 hours, the most this daemon allows. Try again in ${duration(retryAfterS)}.`,
      retryAfterS,
    ),
  /** R14: too many invitation emails (invites and resends) from one org in an hour. */
  orgEmailsRateLimited: (limit: number, retryAfterS: number): DomainError =>
    rateLimited(
      `This organization has sent ${limit} invitation emails in the last hour, the most this daemon allows. Try again in ${duration(retryAfterS)}.`,
      retryAfterS,
    ),
  /** R14: too many invitation emails to one address in a day, across all orgs. */
  addressEmailsRateLimited: (limit: number, retryAfterS: number): DomainError =>
    rateLimited(
      `This address has been sent ${limit} invitation emails in the last 24 hours, the most this daemon allows. Try again in ${duration(retryAfterS)}.`,
      retryAfterS,
    ),
  /** Resend or withdraw of an invitation that was accepted (accept says `inviteAccepted`). */
  inviteAlreadyAccepted: (email: string): DomainError =>
    e(
      "conflict",
      "invite_accepted",
      `This invitation was already accepted: ${email} is a member now.`,
    ),
} as const;

function rateLimited(message: string, retryAfterS: number): DomainError {
  return { ...e("too many requests", "rate_limited", message), retryAfterS };
}

/** Seconds in words: "45 s", "12 min", "3 h". */
function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.ceil(s / 60)} min`;
  return `${Math.ceil(s / 3600)} h`;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A value as a message shows it: a string in quotes, anything else as JSON (never "[object Object]"). */
function quoted(value: unknown): string {
  if (typeof value === "string") return `"${clip(value)}"`;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return clip(json ?? String(value));
}

export function isDomainError(x: unknown): x is DomainError {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as DomainError).message === "string" &&
    (ERROR_CODES as readonly string[]).includes((x as DomainError).code)
  );
}
