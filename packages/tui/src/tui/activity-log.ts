/**
 * The org's change log as the Activity list shows it: fetched from the
 * daemon (`GET …/changes?since=V`, page by page) whenever the live state
 * moves past what it has, and saved (the newest MAX_ENTRIES, atomically, 0600)
 * under `<dataDir>/activity/`, so a TUI started while the daemon is down
 * still shows it.
 */
import { readFile } from "node:fs/promises";
import { ChangeEntrySchema, type ChangeEntry } from "@roster/core";
import type { RosterClient } from "@roster/core/client";
import { z } from "zod";
import { writePrivateFile } from "../private-file.ts";
import { orgFilePath, WriteQueue } from "./org-files.ts";

/** Entries kept (in memory and on disk): the newest. */
export const MAX_ENTRIES = 1000;

export function activityFilePath(dataDir: string, url: string, orgID: string): string {
  return orgFilePath(dataDir, "activity", url, orgID);
}

const SavedSchema = z.object({
  version: z.number().int().nonnegative(),
  entries: z.array(ChangeEntrySchema),
});

export class ActivityLog {
  /** Oldest first. */
  private entries: ChangeEntry[] = [];
  /** The last version read from the daemon (or the saved file). */
  private version = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly writes = new WriteQueue();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly client: Pick<RosterClient, "changes">,
    private readonly orgID: string,
    private readonly path: string | undefined,
  ) {}

  /** The saved log, if any (call before the first refresh). */
  async load(): Promise<void> {
    if (this.path === undefined) return;
    try {
      const saved = SavedSchema.parse(JSON.parse(await readFile(this.path, "utf8")));
      this.entries = saved.entries;
      this.version = saved.version;
    } catch {
      // None yet, or damaged: the daemon fills it in.
    }
  }

  /** Oldest first. */
  list(): readonly ChangeEntry[] {
    return this.entries;
  }

  get lastVersion(): number {
    return this.version;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Catch up with the daemon; a refresh asked for while one runs runs once more after it. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.catchUp();
        } catch {
          // Unreachable or refused: the lists' own state says so; try again on the next change.
          return;
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async catchUp(): Promise<void> {
    let changed = false;
    for (;;) {
      const page = await this.client.changes(this.orgID, this.version);
      if (this.closed) return;
      // Older than what the daemon keeps: start again from what it has.
      if (page.oldest > this.version + 1 && page.changes[0]?.version !== this.version + 1) {
        this.entries = [];
        changed = true;
      }
      const fresh = page.changes.filter((e) => e.version > this.version);
      if (fresh.length > 0) {
        this.entries = [...this.entries, ...fresh].slice(-MAX_ENTRIES);
        this.version = fresh[fresh.length - 1]!.version;
        changed = true;
      } else if (page.version < this.version) {
        // A restored or different database: what we had is not its history.
        this.entries = [];
        this.version = 0;
        changed = true;
        continue;
      }
      if (fresh.length === 0 || this.version >= page.version) break;
    }
    if (!changed) return;
    for (const fn of this.listeners) fn();
    const path = this.path;
    if (path !== undefined) {
      const body = JSON.stringify({ version: this.version, entries: this.entries });
      void this.writes.run(() => writePrivateFile(path, body)).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writes.flush().catch(() => undefined);
  }
}
