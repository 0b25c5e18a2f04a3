/**
 * `roster backup <file>` and `roster restore <file>`: a consistent copy of
 * the whole database (every org, member, invitation, token hash and the
 * change log), and bringing one back. See @roster/daemon/backup.
 */
import { existsSync } from "node:fs";
import { CliError, EXIT } from "../exit-codes.ts";
import { print, printJson } from "../report.ts";

export interface BackupOptions {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

async function target(opts: BackupOptions) {
  const m = await import("@roster/daemon/backup");
  const databaseUrl = opts.databaseUrl ?? process.env.ROSTER_DATABASE_URL;
  return { m, target: { dataDir: opts.dataDir ?? m.defaultDataDir(), databaseUrl } };
}

function where(t: { dataDir: string; databaseUrl?: string | undefined }): string {
  return t.databaseUrl ? "the PostgreSQL database" : t.dataDir;
}

function rows(tables: Record<string, number>): string {
  const n = (t: string) => tables[t] ?? 0;
  return `${n("orgs")} orgs, ${n("memberships")} members, ${n("invites")} invitations, ${n("api_tokens")} API tokens, ${n("changes")} change-log entries`;
}

export async function backup(file: string, opts: BackupOptions): Promise<void> {
  const { m, target: t } = await target(opts);
  const r = await m.backupToFile(file, t).catch((e: unknown) => {
    throw failure(e, `could not back up ${where(t)}`);
  });
  if (opts.json) {
    printJson({
      file: r.file,
      bytes: r.bytes,
      schemaVersion: r.header.schemaVersion,
      rows: r.tables,
    });
    return;
  }
  print(
    `Backed up ${where(t)}${r.viaDaemon ? " (through its running daemon)" : ""} to ${r.file}: ` +
      `${rows(r.tables)} (${Math.ceil(r.bytes / 1024)} KiB).`,
  );
}

export async function restore(file: string, opts: BackupOptions): Promise<void> {
  if (!existsSync(file)) throw new CliError(`no such backup file: ${file}`, EXIT.usage);
  const { m, target: t } = await target(opts);
  const r = await m.restoreFromFile(file, t).catch((e: unknown) => {
    throw failure(e, `could not restore into ${where(t)}`, e instanceof m.DataDirLockedError);
  });
  if (opts.json) {
    printJson({
      rows: r.tables,
      backupCreatedAt: r.header.createdAt,
      replaced: r.replaced ?? null,
    });
    return;
  }
  print(
    `Restored the backup of ${r.header.createdAt} into ${where(t)}: ${rows(r.tables)}.` +
      (r.replaced ? `\nThe database it replaced was moved to ${r.replaced}.` : ""),
  );
}

function failure(e: unknown, what: string, locked = false): CliError {
  const message = e instanceof Error ? e.message : String(e);
  return new CliError(
    `${what}: ${message}`,
    EXIT.refused,
    undefined,
    undefined,
    locked ? "Stop that daemon first (Ctrl-C, or SIGTERM to its pid), then restore." : undefined,
  );
}
