/** How long an activation link stays valid after it was (last) sent (R4). */
export const INVITE_TTL_MS = 72 * 60 * 60 * 1000;
/** At most this many pending invitations per organization (R5). */
export const PENDING_LIMIT = 50;
/** Default minimum time between two sends of one invitation (R7), in seconds. */
export const DEFAULT_RESEND_INTERVAL_S = 60;
/** Roles an invitation or membership may carry (R1). */
export const ROLES = ["owner"] as const;
export type Role = (typeof ROLES)[number];
/** Longest email address we accept (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;
