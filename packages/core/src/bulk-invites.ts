/**
 * Many invitations from one list (`roster invites add --from-file`), each
 * still its own request (R2): the list parsed into entries, then each entry
 * decided with core's own rule (decideInvite) against the org's state plus
 * the entries before it, so a duplicate, a member, a bad line and the
 * pending limit are known before anything is sent. Pure.
 */
import { parseEmail } from "./email.ts";
import type { DomainError } from "./errors.ts";
import { decideInvite, DEFAULT_LIMITS, type Limits, type OrgState } from "./rules.ts";
import type { Invite } from "./schemas.ts";

/** One address of the list, with the line it came from (1-based). */
export interface ListEntry {
  line: number;
  /** The text as written (trimmed). */
  text: string;
}

/** The list could not be read as a whole (a CSV without an email column). */
export interface ListProblem {
  message: string;
}

/** Split a CSV line on commas outside double quotes; `""` inside quotes is a quote. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * The entries of a list: one address per line (blank lines and `#` comments
 * skipped), or a CSV whose first line is a header with an `email` column
 * (then the other columns are ignored). A line of several addresses stays
 * one entry: the rule refuses it (R2), as the daemon would.
 */
export function parseAddressList(text: string): { entries: ListEntry[] } | ListProblem {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  if (first === -1) return { entries: [] };
  const header = splitCsvLine(lines[first]!).map((c) => c.toLowerCase());
  const isCsv = header.length > 1 && header.includes("email");
  if (!isCsv && header.length > 1 && !lines[first]!.includes("@"))
    return { message: `line ${first + 1}: a CSV header needs an "email" column.` };
  const column = header.indexOf("email");
  const entries: ListEntry[] = [];
  for (let i = isCsv ? first + 1 : first; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const text = isCsv ? (splitCsvLine(raw)[column] ?? "") : raw;
    entries.push({ line: i + 1, text });
  }
  return { entries };
}

export type PlannedInvite =
  /** The rules allow it: send it. */
  | { entry: ListEntry; kind: "send"; email: string }
  /**
   * Already invited: sent anyway with the entry's own key, so that an
   * invitation made by an earlier run of the same list is recognised (the
   * daemon answers with it again); otherwise the daemon refuses it.
   */
  | { entry: ListEntry; kind: "check"; email: string; existing: Invite; error: DomainError }
  /** Refused by a rule: not sent. */
  | { entry: ListEntry; kind: "refused"; email?: string; error: DomainError }
  /** After the pending limit was reached: not sent, not decided. */
  | { entry: ListEntry; kind: "left-out" };

export interface BulkPlanInput {
  state: OrgState;
  actorID: string;
  role: string;
  now: number;
  limits?: Limits;
}

/**
 * Decide every entry in order: the state grows with each invitation to be
 * sent, so a second copy of an address is `already_invited` by the first;
 * at the pending limit the rest are left out.
 */
export function planBulkInvites(
  entries: readonly ListEntry[],
  input: BulkPlanInput,
): PlannedInvite[] {
  const limits = input.limits ?? DEFAULT_LIMITS;
  let state = input.state;
  const planned: PlannedInvite[] = [];
  const fromList = new Map<string, ListEntry>();
  let full = false;
  for (const [n, entry] of entries.entries()) {
    if (full) {
      planned.push({ entry, kind: "left-out" });
      continue;
    }
    const email = parseEmail(entry.text);
    const decided = decideInvite(
      state,
      {
        actorID: input.actorID,
        email: entry.text,
        role: input.role,
        inviteID: `bulk-${n}`,
        now: input.now,
      },
      limits,
    );
    if (decided.ok) {
      const invite = decided.value.invite;
      state = { ...state, invites: [...state.invites, invite] };
      fromList.set(invite.email, entry);
      planned.push({ entry, kind: "send", email: invite.email });
      continue;
    }
    const error = decided.error;
    if (error.reason === "pending_limit") {
      full = true;
      planned.push({ entry, kind: "left-out" });
      continue;
    }
    if (!email.ok) {
      planned.push({ entry, kind: "refused", error });
      continue;
    }
    const earlier = fromList.get(email.value);
    if (earlier !== undefined) {
      planned.push({
        entry,
        kind: "refused",
        email: email.value,
        error: {
          ...error,
          message: `${email.value} is already on line ${earlier.line} of the list.`,
        },
      });
      continue;
    }
    const existing =
      error.reason === "already_invited"
        ? state.invites.find((i) => i.email === email.value)
        : undefined;
    if (existing !== undefined) {
      fromList.set(email.value, entry);
      planned.push({ entry, kind: "check", email: email.value, existing, error });
      continue;
    }
    planned.push({ entry, kind: "refused", email: email.value, error });
  }
  return planned;
}
