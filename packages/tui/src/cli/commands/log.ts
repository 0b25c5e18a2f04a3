/**
 * `roster log [--since V] [--follow] [--json]`: the org's change log (the
 * audit trail) as a table, or JSON lines (one ChangeEntry each). `--follow`
 * then streams new changes as they commit over the live protocol (SPEC §3),
 * resuming with `since` after a drop: every version once, in order — a gap
 * is filled from `GET …/changes` before anything after it is printed —
 * until SIGINT/SIGTERM.
 */
import { describeChange, type ChangeEntry, type ServerMessage } from "@roster/core";
import { LiveConnection } from "@roster/core/client";
import { CliError, EXIT } from "../exit-codes.ts";
import { connect, resolveOrg, type CommonOptions, type Context } from "../context.ts";
import { formatTime } from "../render.ts";
import { print } from "../report.ts";
import { renderTable } from "../table.ts";

export interface LogOptions extends CommonOptions {
  since?: string;
  follow?: boolean;
}

const HEADERS = ["Version", "Time", "Who", "What", "Whom"] as const;

function cells(e: ChangeEntry): string[] {
  const l = describeChange(e);
  return [String(l.version), formatTime(l.at), l.actor, l.what, l.whom];
}

export async function showLog(opts: LogOptions): Promise<void> {
  const since = opts.since === undefined ? 0 : Number(opts.since);
  if (!Number.isInteger(since) || since < 0)
    throw new CliError(`--since: expected a version (a whole number, 0 or more).`, EXIT.usage);
  const ctx = await connect(opts);
  const org = await resolveOrg(ctx, opts);
  const log = new LogReader(ctx, org.id, since);
  const backlog = await log.catchUp();
  if (!opts.follow) {
    if (opts.json) for (const e of backlog) process.stdout.write(`${JSON.stringify(e)}\n`);
    else print(renderTable(HEADERS, backlog.map(cells)));
    return;
  }
  const out = (e: ChangeEntry) =>
    process.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : `${cells(e).join("  ")}\n`);
  backlog.forEach(out);
  await log.follow(out);
}

/** Reads the log after `last`, never printing a version twice or out of order. */
class LogReader {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Context,
    private readonly orgID: string,
    private last: number,
  ) {}

  /** Every entry after `last` the daemon has now (page by page); moves `last`. */
  async catchUp(): Promise<ChangeEntry[]> {
    const got: ChangeEntry[] = [];
    for (;;) {
      const page = await this.ctx.client.changes(this.orgID, this.last);
      if (page.oldest > this.last + 1 && page.changes[0]?.version !== this.last + 1)
        process.stderr.write(
          `roster log: versions ${this.last + 1}–${page.oldest - 1} are no longer kept by the daemon (--change-retention).\n`,
        );
      const fresh = page.changes.filter((e) => e.version > this.last);
      for (const e of fresh) {
        got.push(e);
        this.last = e.version;
      }
      if (fresh.length === 0 || this.last >= page.version) return got;
    }
  }

  /** Stream until SIGINT/SIGTERM (or access is revoked: exit 1). */
  follow(out: (e: ChangeEntry) => void): Promise<void> {
    const token = this.ctx.config.token;
    if (token === undefined)
      throw new CliError(
        "No API token: run `roster setup` or `roster accept <link>`, or set ROSTER_TOKEN.",
        EXIT.usage,
      );
    return new Promise((resolve, reject) => {
      const fill = async () => (await this.catchUp()).forEach(out);
      const onMessage = async (msg: ServerMessage) => {
        if (msg.type === "change") {
          if (msg.version <= this.last) return;
          if (msg.version === this.last + 1) {
            const { type: _t, prev: _p, ...entry } = msg;
            this.last = msg.version;
            out(entry);
            return;
          }
          await fill(); // a gap: the daemon's log first
        } else if (msg.type === "snapshot" || msg.type === "ready") {
          // Caught up by the live protocol (or only a snapshot could be sent): anything missed comes from the log.
          if (msg.version > this.last) await fill();
        }
      };
      // The connection's retry timer does not hold the process: this does, until stopped.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const stop = (err?: Error) => {
        clearInterval(keepAlive);
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        live.close();
        void this.chain.then(() => (err ? reject(err) : resolve()));
      };
      const onSignal = () => stop();
      const live = new LiveConnection({
        url: this.ctx.config.url,
        token,
        orgID: this.orgID,
        since: () => this.last,
        handlers: {
          message: (msg) => {
            if (msg.type === "revoked") {
              stop(new CliError(msg.message, EXIT.refused, "forbidden"));
              return;
            }
            this.chain = this.chain.then(() => onMessage(msg)).catch(() => undefined);
          },
          status: (status, info) => {
            if (status === "revoked")
              stop(
                new CliError(
                  info.reason ?? "Access to this organization was revoked.",
                  EXIT.refused,
                ),
              );
          },
        },
      });
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      live.start();
    });
  }
}
