/**
 * `roster invites add --from-file F|-`: one invitation request per address
 * (R2), each with its own Idempotency-Key derived from the org, the list's
 * content and the address, so rerunning the same list after an interruption
 * creates nothing twice. Core's rules decide every line first
 * (planBulkInvites); `--dry-run` stops there. One result line per address, a
 * summary; exit 1 when any was refused or left out at the pending limit.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  DEFAULT_LIMITS,
  parseAddressList,
  planBulkInvites,
  type DomainError,
  type Limits,
  type PlannedInvite,
} from "@roster/core";
import { RosterApiError } from "@roster/core/client";
import { CliError, EXIT } from "../exit-codes.ts";
import { connect, resolveOrg, type CommonOptions } from "../context.ts";
import { print, printJson } from "../report.ts";

export interface BulkOptions extends CommonOptions {
  role?: string;
  dryRun?: boolean;
}

type Outcome =
  "created" | "created earlier" | "refused" | "left out" | "would create" | "would check";

interface LineResult {
  line: number;
  input: string;
  email?: string;
  result: Outcome;
  inviteID?: string;
  activationURL?: string;
  code?: string;
  reason?: string;
  message?: string;
}

async function readList(file: string): Promise<string> {
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    }
    return await readFile(file, "utf8");
  } catch (e) {
    throw new CliError(`--from-file: cannot read ${file}: ${(e as Error).message}`, EXIT.usage);
  }
}

/** The entry's Idempotency-Key: the same list, org and address give the same key. */
export function bulkKey(orgID: string, listDigest: string, email: string, role: string): string {
  const h = createHash("sha256").update(`${orgID}\n${listDigest}\n${role}\n${email}`).digest("hex");
  return `roster-bulk-${h.slice(0, 48)}`;
}

function refusal(p: PlannedInvite, error: DomainError): LineResult {
  const r: LineResult = {
    line: p.entry.line,
    input: p.entry.text,
    result: "refused",
    code: error.code,
    message: error.message,
  };
  if ("email" in p && p.email !== undefined) r.email = p.email;
  if (error.reason !== undefined) r.reason = error.reason;
  return r;
}

export async function invitesAddFromFile(file: string, opts: BulkOptions): Promise<void> {
  const text = await readList(file);
  const parsed = parseAddressList(text);
  if ("message" in parsed) throw new CliError(`--from-file ${file}: ${parsed.message}`, EXIT.usage);
  const role = opts.role ?? "owner";
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const [me, { members }, { invites }, health] = await Promise.all([
    ctx.client.me(),
    ctx.client.listMembers(org.id),
    ctx.client.listInvites(org.id, "open"),
    ctx.client.health().catch(() => undefined),
  ]);
  const limits: Limits = health?.limits ?? DEFAULT_LIMITS;
  const plan = planBulkInvites(parsed.entries, {
    state: { orgID: org.id, members, invites },
    actorID: me.id,
    role,
    now: Date.now(),
    limits,
  });
  const digest = createHash("sha256").update(text).digest("hex");
  const results: LineResult[] = [];
  let stopped = false;
  for (const p of plan) {
    const base = { line: p.entry.line, input: p.entry.text };
    if (p.kind === "refused") {
      results.push(refusal(p, p.error));
      continue;
    }
    if (p.kind === "left-out" || stopped) {
      results.push({ ...base, result: "left out" });
      continue;
    }
    if (opts.dryRun) {
      results.push({
        ...base,
        email: p.email,
        result: p.kind === "send" ? "would create" : "would check",
        ...(p.kind === "check" ? { message: p.error.message } : {}),
      });
      continue;
    }
    try {
      const invite = await ctx.client.createInvite(
        org.id,
        { email: p.email, role },
        { idempotencyKey: bulkKey(org.id, digest, p.email, role) },
      );
      const earlier = p.kind === "check" && invite.id === p.existing.id;
      results.push({
        ...base,
        email: p.email,
        result: earlier ? "created earlier" : "created",
        inviteID: invite.id,
        ...(invite.activationURL !== undefined ? { activationURL: invite.activationURL } : {}),
      });
    } catch (e) {
      if (!(e instanceof RosterApiError)) throw e;
      const error: DomainError = { code: e.code, message: e.message };
      if (e.reason !== undefined) error.reason = e.reason as DomainError["reason"];
      results.push(refusal(p, error));
      // The daemon's limit (another session may have invited meanwhile): stop cleanly.
      if (e.reason === "pending_limit") {
        results[results.length - 1]!.result = "left out";
        stopped = true;
      }
    }
  }
  report(results, opts, limits);
  if (results.some((r) => r.result === "refused" || r.result === "left out"))
    process.exitCode = EXIT.refused;
}

function report(results: LineResult[], opts: BulkOptions, limits: Limits): void {
  const count = (o: Outcome) => results.filter((r) => r.result === o).length;
  const summary = {
    created: count("created"),
    createdEarlier: count("created earlier"),
    refused: count("refused"),
    leftOut: count("left out"),
    ...(opts.dryRun
      ? { wouldCreate: count("would create"), wouldCheck: count("would check") }
      : {}),
  };
  if (opts.json) {
    printJson({ results, summary, dryRun: opts.dryRun === true });
    return;
  }
  const lines = results.map((r) => {
    const who = r.email ?? (JSON.stringify(r.input) || '""');
    const at = `line ${r.line}`.padEnd(8);
    switch (r.result) {
      case "created":
        return `${at} created          ${who}${r.activationURL ? `  ${r.activationURL}` : ""}`;
      case "created earlier":
        return `${at} created earlier  ${who} (by an earlier run of this list; nothing new)`;
      case "refused":
        return `${at} refused          ${who}: ${r.message}${r.reason ? ` (${r.reason})` : ""}`;
      case "left out":
        return `${at} left out         ${r.email ?? r.input} (pending limit reached)`;
      case "would create":
        return `${at} would create     ${who}`;
      case "would check":
        return `${at} would check      ${who}: ${r.message} (created by an earlier run of this list, if it was)`;
    }
  });
  const parts = opts.dryRun
    ? [
        `${summary.wouldCreate} would be created`,
        ...(summary.wouldCheck ? [`${summary.wouldCheck} already invited`] : []),
        `${summary.refused} refused`,
      ]
    : [
        `${summary.created} created`,
        ...(summary.createdEarlier ? [`${summary.createdEarlier} created earlier`] : []),
        `${summary.refused} refused`,
      ];
  if (summary.leftOut > 0)
    parts.push(
      `${summary.leftOut} left out: the pending limit of ${limits.pendingLimit} was reached (withdraw or wait for acceptances, then run the list again)`,
    );
  print([...lines, `${opts.dryRun ? "Dry run: " : ""}${parts.join(", ")}.`].join("\n"));
}
