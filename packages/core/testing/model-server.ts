/**
 * An in-memory model of the daemon's write path for one org: commands go
 * through core's decide*, the change is folded with applyChange and
 * appended to a gapless log, exactly as SPEC §3 describes. Pure apart from
 * its own mutable fields; used by the property tests here and usable by
 * other packages' tests that need realistic snapshots and change streams.
 */
import * as rules from "../src/rules.ts";
import type { Limits, OrgState } from "../src/rules.ts";
import type { Change, ChangeMessage, Member, Org, SnapshotMessage } from "../src/schemas.ts";
import { isOpen } from "../src/status.ts";
import type { DomainError } from "../src/errors.ts";
import type { ActionKind } from "../src/sync/pending-action.ts";

export class ModelServer {
  readonly org: Org;
  state: OrgState;
  log: ChangeMessage[] = [];
  /** Oldest version still retained in `log` (entries before it were pruned). */
  oldest = 1;
  private seq = 0;
  private readonly limits: Limits;

  constructor(owner: Member, opts: { orgID?: string; limits?: Limits; at?: number } = {}) {
    const orgID = opts.orgID ?? "org1";
    const at = new Date(opts.at ?? Date.UTC(2025, 0, 1)).toISOString();
    this.org = { id: orgID, name: "Model Org", createdAt: at };
    this.limits = opts.limits ?? { ...rules.DEFAULT_LIMITS, resendIntervalS: 0 };
    this.state = { orgID, members: [], invites: [] };
    this.commit({ type: "member.added", member: owner }, Date.parse(at), null);
  }

  get version(): number {
    return this.log.length === 0 ? this.oldest - 1 : this.log[this.log.length - 1]!.version;
  }

  /** Apply a command as `actorID` at `now`: the committed change entry, or the refusal. */
  run(
    actorID: string,
    kind: ActionKind,
    now: number,
  ): { ok: true; entry: ChangeMessage } | { ok: false; error: DomainError } {
    let d;
    switch (kind.type) {
      case "invite":
        d = rules.decideInvite(
          this.state,
          { actorID, email: kind.email, role: kind.role, inviteID: this.nextID("inv"), now },
          this.limits,
        );
        break;
      case "resend":
        d = rules.decideResend(this.state, { actorID, inviteID: kind.inviteID, now }, this.limits);
        break;
      case "withdraw":
        d = rules.decideWithdraw(this.state, { actorID, inviteID: kind.inviteID, now });
        break;
      case "remove":
        d = rules.decideRemove(this.state, { actorID, userID: kind.userID });
        break;
    }
    if (!d.ok) return d;
    const actor = this.state.members.find((m) => m.userID === actorID);
    return {
      ok: true,
      entry: this.commit(d.value, now, actor ? { userID: actor.userID, email: actor.email } : null),
    };
  }

  /** Someone accepts an open invitation (a new member joins). */
  accept(inviteID: string, now: number, userID?: string): ChangeMessage | null {
    const invite = this.state.invites.find((i) => i.id === inviteID);
    if (!invite || !isOpen(invite)) return null;
    const member: Member = {
      userID: userID ?? this.nextID("usr"),
      email: invite.email,
      name: invite.email.split("@")[0] ?? "",
      role: invite.role,
      joinedAt: new Date(now).toISOString(),
    };
    return this.commit(
      { type: "invite.accepted", invite: { ...invite, status: "accepted" }, member },
      now,
      null,
    );
  }

  /** A delivery update of an invitation (the mail worker). */
  delivered(inviteID: string, now: number): ChangeMessage | null {
    const invite = this.state.invites.find((i) => i.id === inviteID);
    if (!invite) return null;
    return this.commit(
      { type: "invite.delivery", invite: { ...invite, delivery: { state: "sent", attempts: 1 } } },
      now,
      null,
    );
  }

  snapshot(): SnapshotMessage {
    return {
      type: "snapshot",
      version: this.version,
      org: this.org,
      members: [...this.state.members],
      invites: [...this.state.invites],
    };
  }

  /** What the daemon answers to hello{since}: the missing changes, or a snapshot when they are not retained. */
  catchUp(since: number): (SnapshotMessage | ChangeMessage)[] {
    if (since === 0 || since < this.oldest - 1 || since > this.version) return [this.snapshot()];
    return this.log.filter((e) => e.version > since);
  }

  /** Forget log entries so that only the newest `keep` are retained. */
  prune(keep: number): void {
    const drop = Math.max(0, this.log.length - keep);
    if (drop === 0) return;
    const v = this.version;
    this.log = this.log.slice(drop);
    this.oldest = this.log[0]?.version ?? v + 1;
  }

  private commit(
    change: Change,
    now: number,
    actor: { userID: string; email: string } | null,
  ): ChangeMessage {
    const prev = this.version;
    this.state = rules.applyChange(this.state, change);
    const entry: ChangeMessage = {
      type: "change",
      version: prev + 1,
      prev,
      at: new Date(now).toISOString(),
      actor,
      change,
    };
    this.log.push(entry);
    return entry;
  }

  private nextID(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq}`;
  }
}

export function makeMember(userID: string, email: string, at = Date.UTC(2025, 0, 1)): Member {
  return {
    userID,
    email,
    name: email.split("@")[0] ?? "",
    role: "owner",
    joinedAt: new Date(at).toISOString(),
  };
}
