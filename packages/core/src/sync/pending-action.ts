/**
 * Pending (optimistic) actions: mutations a client has submitted but whose
 * effect is not yet part of the server state it has applied. Plain JSON, so
 * a queue can be persisted and restored (see ActionStore).
 */
import { z } from "zod";
import type { DomainError } from "../errors.ts";
import { Id, RoleSchema } from "../schemas.ts";

export const ActionKindSchema = z.discriminatedUnion("type", [
  /** Create an invitation (R2–R6). `email` is already normalised. */
  z.object({ type: z.literal("invite"), email: z.string(), role: RoleSchema }),
  /** Resend an invitation (R7). */
  z.object({ type: z.literal("resend"), inviteID: Id }),
  /** Withdraw an invitation (R8). */
  z.object({ type: z.literal("withdraw"), inviteID: Id }),
  /** Remove a member (R10, R11). */
  z.object({ type: z.literal("remove"), userID: Id }),
]);
export type ActionKind = z.infer<typeof ActionKindSchema>;
export type ActionType = ActionKind["type"];

/**
 * - `queued`: not sent yet, or sent and the daemon could not be reached (will be replayed);
 * - `sending`: a request is in flight;
 * - `confirmed`: the daemon accepted it; the row stays optimistic until the
 *   matching change has been applied from the live stream, then it is dropped;
 * - `failed`: the daemon refused it (`error`); kept visible until dismissed.
 */
export const ActionStateSchema = z.enum(["queued", "sending", "confirmed", "failed"]);
export type ActionState = z.infer<typeof ActionStateSchema>;

const DomainErrorSchema = z.object({
  code: z.string(),
  reason: z.string().optional(),
  message: z.string(),
});

/** What the daemon answered on success: enough to recognise the change it committed. */
export const ActionResultSchema = z.object({
  inviteID: Id.optional(),
  sendCount: z.number().int().optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const PendingActionSchema = z.object({
  /** Unique id of the action; sent as the Idempotency-Key on every (re)try. */
  id: z.string().min(1).max(128),
  orgID: Id,
  /** The user who submitted it (decisions are taken as this user). */
  actorID: Id,
  kind: ActionKindSchema,
  /** Client clock (ms since epoch) when submitted. */
  submittedAt: z.number(),
  /**
   * Server version the client had applied when it submitted. The daemon
   * commits the action's change at a version strictly greater than this.
   */
  baseVersion: z.number().int().nonnegative(),
  /** For `resend`: the invitation's sendCount the client saw when submitting. */
  baseSendCount: z.number().int().optional(),
  state: ActionStateSchema,
  /** The daemon's refusal, for `failed` actions. */
  error: DomainErrorSchema.optional(),
  /** How many requests were started for it (replays reuse the same id). */
  attempts: z.number().int().nonnegative(),
  result: ActionResultSchema.optional(),
  /** Connection epoch in which the confirmation arrived (see SyncState.epoch). */
  confirmedEpoch: z.number().int().optional(),
  /**
   * A change matching this action was applied from the server after
   * `baseVersion` (an effect like it is in the server state, whoever made it).
   */
  /**
   * A snapshot was applied while a request for it had been started: its
   * change may be inside that snapshot, so not seeing it later proves nothing.
   */
  uncertain: z.boolean().optional(),
  seen: z
    .object({
      /** invite: ids of invitations created for this email after baseVersion (newest last). */
      inviteIDs: z.array(Id).optional(),
      /** resend: highest sendCount seen in a resend of the invitation. */
      sendCount: z.number().int().optional(),
    })
    .optional(),
});
export type PendingAction = Omit<z.infer<typeof PendingActionSchema>, "error"> & {
  error?: DomainError;
};

/** Parse a persisted queue, dropping entries that do not fit the schema. */
export function parsePendingActions(raw: unknown): PendingAction[] {
  if (!Array.isArray(raw)) return [];
  const out: PendingAction[] = [];
  for (const item of raw) {
    const r = PendingActionSchema.safeParse(item);
    if (r.success) out.push(r.data as PendingAction);
  }
  return out;
}

/** Where an engine keeps its queue between runs (the TUI supplies a file-backed one). */
export interface ActionStore {
  load(): Promise<PendingAction[]> | PendingAction[];
  save(actions: readonly PendingAction[]): Promise<void> | void;
}

/** An ActionStore that keeps the queue in memory only. */
export class MemoryActionStore implements ActionStore {
  private actions: PendingAction[];
  constructor(initial: readonly PendingAction[] = []) {
    this.actions = [...initial];
  }
  load(): PendingAction[] {
    return [...this.actions];
  }
  save(actions: readonly PendingAction[]): void {
    this.actions = JSON.parse(JSON.stringify(actions)) as PendingAction[];
  }
}

/** Human words for an action, for status lines ("invite ada@example.com"). */
export function describeAction(kind: ActionKind): string {
  switch (kind.type) {
    case "invite":
      return `invite ${kind.email}`;
    case "resend":
      return `resend invitation ${kind.inviteID}`;
    case "withdraw":
      return `withdraw invitation ${kind.inviteID}`;
    case "remove":
      return `remove member ${kind.userID}`;
  }
}
