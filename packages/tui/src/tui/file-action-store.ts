/**
 * The offline queue on disk: one JSON file per (daemon URL, org) under the
 * data directory, so queued actions survive quitting the TUI. Every save
 * replaces the file atomically (write a temporary file, fsync, rename), so a
 * crash leaves either the old queue or the new one, never half of one.
 */
import { readFile } from "node:fs/promises";
import { parsePendingActions, type ActionStore, type PendingAction } from "@roster/core";
import { writePrivateFile } from "../private-file.ts";
import { orgFilePath, WriteQueue } from "./org-files.ts";

/** The queue file for a daemon URL and org, under `dataDir`. */
export function queueFilePath(dataDir: string, url: string, orgID: string): string {
  return orgFilePath(dataDir, "queue", url, orgID);
}

export class FileActionStore implements ActionStore {
  private readonly writes = new WriteQueue();

  constructor(readonly path: string) {}

  async load(): Promise<PendingAction[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as { actions?: unknown };
      return parsePendingActions(parsed.actions);
    } catch {
      // A corrupt file (should not happen: writes are atomic) must not stop the TUI.
      return [];
    }
  }

  save(actions: readonly PendingAction[]): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, actions }, null, 1);
    return this.writes.run(() => writePrivateFile(this.path, snapshot));
  }

  /** Wait until every save asked for so far is on disk. */
  flush(): Promise<void> {
    return this.writes.flush();
  }
}
