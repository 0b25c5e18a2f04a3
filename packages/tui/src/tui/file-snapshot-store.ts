/**
 * The last known members and invitations of an org on disk: one JSON file
 * per (daemon URL, org) under the data directory, beside the offline queue,
 * so that a TUI started while the daemon is down still shows the lists and
 * can queue actions against them (SPEC §5). It holds emails, so it is
 * written 0600 (atomically), and never the token. How often it is written
 * is the sync engine's business (at most once a second, and on quit).
 */
import { readFile, rm } from "node:fs/promises";
import { parseSavedSnapshot, type SavedSnapshot, type SnapshotStore } from "@roster/core";
import { writePrivateFile } from "../private-file.ts";
import { normalizeUrl, orgFilePath, WriteQueue } from "./org-files.ts";

/** The saved-lists file for a daemon URL and org, under `dataDir`. */
export function snapshotFilePath(dataDir: string, url: string, orgID: string): string {
  return orgFilePath(dataDir, "lists", url, orgID);
}

export class FileSnapshotStore implements SnapshotStore {
  private readonly writes = new WriteQueue();

  constructor(
    readonly path: string,
    readonly url: string,
    readonly orgID: string,
  ) {}

  async load(): Promise<SavedSnapshot | undefined> {
    try {
      const raw = JSON.parse(await readFile(this.path, "utf8")) as {
        url?: unknown;
        snapshot?: unknown;
      };
      // A file for another daemon (a digest collision, or a copied data directory) is not ours.
      if (raw.url !== normalizeUrl(this.url)) return undefined;
      return parseSavedSnapshot(raw.snapshot, this.orgID);
    } catch {
      // Missing or unreadable: only a cache, the daemon has the real lists.
      return undefined;
    }
  }

  save(snapshot: SavedSnapshot): Promise<void> {
    const text = JSON.stringify({ version: 1, url: normalizeUrl(this.url), snapshot });
    return this.writes.run(() => writePrivateFile(this.path, text));
  }

  clear(): Promise<void> {
    return this.writes.run(() => rm(this.path, { force: true }));
  }

  /** Wait until every write asked for so far is done. */
  flush(): Promise<void> {
    return this.writes.flush();
  }
}
