/**
 * In-memory projections of watched orgs: the org, its version, its members
 * and open invitations, loaded once from the database and then kept current
 * by folding the change feed with core's applyChange. Snapshots for live
 * sessions are served from here, not by re-reading every row.
 *
 * A projection lives while someone holds it (acquire/release) and for
 * `idleMs` after the last release or the last warm() (HTTP list reads).
 */
import {
  applyChange,
  type ChangeEntry,
  type Delivery,
  type Invite,
  type Member,
  type Org,
  type OrgState,
  type Role,
} from "@roster/core";
import { loadOrgSnapshot } from "../storage/read-queries.ts";
import type { Sql } from "../storage/storage.ts";

export interface OrgProjection {
  readonly org: Org;
  /** The version `state` is at. */
  readonly version: number;
  /** Members and open invitations (stored status: `expired` is derived by readers). */
  readonly state: OrgState;
}

interface Slot {
  proj: OrgProjection | undefined;
  loading: Promise<OrgProjection> | undefined;
  /** Feed entries that arrived while loading. */
  buffered: ChangeEntry[];
  refs: number;
  dropTimer: NodeJS.Timeout | undefined;
}

export interface ProjectionStoreOptions {
  /** Keep an unused projection this long (default 30 s). */
  idleMs?: number;
  onError?: (err: unknown, orgID: string) => void;
}

export class ProjectionStore {
  readonly #slots = new Map<string, Slot>();
  readonly #idleMs: number;

  constructor(
    private readonly sql: Sql,
    private readonly opts: ProjectionStoreOptions = {},
  ) {
    this.#idleMs = opts.idleMs ?? 30_000;
  }

  /** Hold the projection of `orgID` (loading it if needed). Pair with release(). */
  async acquire(orgID: string): Promise<OrgProjection> {
    const slot = this.#slot(orgID);
    slot.refs++;
    if (slot.dropTimer) {
      clearTimeout(slot.dropTimer);
      slot.dropTimer = undefined;
    }
    try {
      return await this.#ensure(orgID, slot);
    } catch (e) {
      this.release(orgID);
      throw e;
    }
  }

  release(orgID: string): void {
    const slot = this.#slots.get(orgID);
    if (!slot || slot.refs === 0) return;
    slot.refs--;
    if (slot.refs > 0) return;
    this.#dropLater(orgID, slot);
  }

  /**
   * For HTTP reads: keep the projection of `orgID` for `idleMs` more without
   * holding it, loading it in the background if needed (the read that calls
   * this is answered from the database meanwhile). No I/O when loaded.
   */
  warm(orgID: string): void {
    const slot = this.#slot(orgID);
    if (slot.refs === 0) {
      if (slot.dropTimer) slot.dropTimer.refresh();
      else this.#dropLater(orgID, slot);
    }
    if (!slot.proj && !slot.loading) {
      void this.#ensure(orgID, slot).catch((e: unknown) => this.opts.onError?.(e, orgID));
    }
  }

  #dropLater(orgID: string, slot: Slot): void {
    slot.dropTimer = setTimeout(() => {
      if (slot.refs === 0 && this.#slots.get(orgID) === slot) this.#slots.delete(orgID);
    }, this.#idleMs);
    slot.dropTimer.unref();
  }

  /** The current projection if loaded (no I/O). */
  get(orgID: string): OrgProjection | undefined {
    return this.#slots.get(orgID)?.proj;
  }

  /**
   * The projection at exactly `version` (the org's version as just read from
   * the database), for read endpoints: undefined when not loaded or not
   * (yet) at that version — then read the database instead.
   */
  at(orgID: string, version: number): OrgProjection | undefined {
    const p = this.get(orgID);
    return p && p.version === version ? p : undefined;
  }

  /** Fold one committed entry (called by the hub for every feed entry). */
  onEntry(orgID: string, entry: ChangeEntry): void {
    const slot = this.#slots.get(orgID);
    if (!slot) return;
    if (!slot.proj) {
      if (slot.loading) slot.buffered.push(entry);
      return;
    }
    this.#fold(orgID, slot, entry);
  }

  /** Number of projections in memory. */
  get size(): number {
    return this.#slots.size;
  }

  clear(): void {
    for (const s of this.#slots.values()) if (s.dropTimer) clearTimeout(s.dropTimer);
    this.#slots.clear();
  }

  #slot(orgID: string): Slot {
    let slot = this.#slots.get(orgID);
    if (!slot) {
      slot = { proj: undefined, loading: undefined, buffered: [], refs: 0, dropTimer: undefined };
      this.#slots.set(orgID, slot);
    }
    return slot;
  }

  #ensure(orgID: string, slot: Slot): Promise<OrgProjection> {
    if (slot.proj) return Promise.resolve(slot.proj);
    slot.loading ??= loadProjection(this.sql, orgID)
      .then((proj) => {
        slot.proj = proj;
        const buffered = slot.buffered.sort((a, b) => a.version - b.version);
        slot.buffered = [];
        for (const e of buffered) this.#fold(orgID, slot, e);
        return slot.proj;
      })
      .finally(() => {
        slot.loading = undefined;
      });
    return slot.loading;
  }

  #fold(orgID: string, slot: Slot, entry: ChangeEntry): void {
    const p = slot.proj;
    if (!p || entry.version <= p.version) return;
    if (entry.version !== p.version + 1) {
      // Cannot happen with a gapless feed; never serve a wrong state: reload.
      this.opts.onError?.(
        new Error(`projection gap: at ${p.version}, got ${entry.version}`),
        orgID,
      );
      slot.proj = undefined;
      slot.buffered = [entry];
      void this.#ensure(orgID, slot).catch((e: unknown) => this.opts.onError?.(e, orgID));
      return;
    }
    slot.proj = { org: p.org, version: entry.version, state: applyChange(p.state, entry.change) };
  }
}

async function loadProjection(sql: Sql, orgID: string): Promise<OrgProjection> {
  const snapshot = await loadOrgSnapshot(sql, orgID);
  if (!snapshot) throw new Error(`org ${orgID} not found`);
  return snapshot;
}

const roles = new WeakMap<OrgProjection, Map<string, Role>>();

/** The role of `userID` in a projection's org (undefined: not a member); indexed once per version. */
export function projectedRole(p: OrgProjection, userID: string): Role | undefined {
  let byUser = roles.get(p);
  if (!byUser) roles.set(p, (byUser = new Map(p.state.members.map((m) => [m.userID, m.role]))));
  return byUser.get(userID);
}

/*
 * A projection as JSON. Objects folded from the change feed come from jsonb,
 * whose key order is not ours: rebuilt here in the order storage/rows.ts
 * writes them, and sorted as the list queries' `order by`, so the list
 * endpoints and live snapshots answer the same bytes whichever path built them.
 */

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The members, in the members list's key order and order (joined, then user id). */
export function projectedMembers(p: OrgProjection): Member[] {
  return p.state.members
    .map((m) => ({
      userID: m.userID,
      email: m.email,
      name: m.name,
      role: m.role,
      joinedAt: m.joinedAt,
    }))
    .sort((a, b) => compare(a.joinedAt, b.joinedAt) || compare(a.userID, b.userID));
}

/** Invitations in the invitations list's key order and order (created, then id). */
export function listedInvites(invites: readonly Invite[]): Invite[] {
  return invites
    .map(canonicalInvite)
    .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
}

function canonicalInvite(i: Invite): Invite {
  const delivery: Delivery = { state: i.delivery.state, attempts: i.delivery.attempts ?? 0 };
  if (i.delivery.lastError !== undefined) delivery.lastError = i.delivery.lastError;
  if (i.delivery.nextAttemptAt !== undefined) delivery.nextAttemptAt = i.delivery.nextAttemptAt;
  return {
    id: i.id,
    orgID: i.orgID,
    email: i.email,
    role: i.role,
    status: i.status,
    invitedBy: i.invitedBy,
    createdAt: i.createdAt,
    sentAt: i.sentAt,
    expiresAt: i.expiresAt,
    sendCount: i.sendCount,
    delivery,
  };
}
