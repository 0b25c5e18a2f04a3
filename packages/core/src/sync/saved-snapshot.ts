/**
 * The last known server state of one org, as a client keeps it between runs
 * (SPEC §5: offline, a restarted client still shows the lists and queues
 * actions). Plain JSON; restored with the reducer's `restored-snapshot`
 * event, after which the client resumes with hello{since: version} and only
 * fetches what it missed.
 */
import { z } from "zod";
import { InviteSchema, MemberSchema, OrgSchema } from "../schemas.ts";

export const SavedSnapshotSchema = z.object({
  orgID: z.string().min(1),
  /** Server version the lists are at (always > 0: something was loaded). */
  version: z.number().int().positive(),
  org: OrgSchema,
  members: z.array(MemberSchema),
  invites: z.array(InviteSchema),
  /** When (ms since epoch) the lists were last known to match the daemon. */
  at: z.number(),
});
export type SavedSnapshot = z.infer<typeof SavedSnapshotSchema>;

/** Parse a persisted snapshot; undefined when it does not fit the schema (or is for another org). */
export function parseSavedSnapshot(raw: unknown, orgID?: string): SavedSnapshot | undefined {
  const r = SavedSnapshotSchema.safeParse(raw);
  if (!r.success) return undefined;
  if (orgID !== undefined && r.data.orgID !== orgID) return undefined;
  return r.data;
}

/** Where an engine keeps the last known server state between runs (the TUI supplies a file-backed one). */
export interface SnapshotStore {
  load(): Promise<SavedSnapshot | undefined> | SavedSnapshot | undefined;
  save(snapshot: SavedSnapshot): Promise<void> | void;
  /** Forget it (access was revoked: the lists must not be shown again). */
  clear?(): Promise<void> | void;
}

/** A SnapshotStore in memory only (tests, or a client that never restarts). */
export class MemorySnapshotStore implements SnapshotStore {
  saves = 0;
  constructor(private snapshot: SavedSnapshot | undefined = undefined) {}
  load(): SavedSnapshot | undefined {
    return this.snapshot && (JSON.parse(JSON.stringify(this.snapshot)) as SavedSnapshot);
  }
  save(snapshot: SavedSnapshot): void {
    this.saves += 1;
    this.snapshot = JSON.parse(JSON.stringify(snapshot)) as SavedSnapshot;
  }
  clear(): void {
    this.snapshot = undefined;
  }
}
