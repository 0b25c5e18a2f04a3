/**
 * The last known members and invitations of an org on disk: one JSON file
 * per (daemon URL, org) under the data directory, beside the offline queue,
 * so that a TUI started while the daemon is down still shows the lists and
 * can queue actions against them (SPEC §5). It holds emails, so it is
 * written 0600 (atomically), and never the token. How often it is written
 * is the sync engine's business (at most once a second, and on quit).
 */
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseSavedSnapshot, type SavedSnapshot, type SnapshotStore } from "@roster/core";
import { writePrivateFile } from "../private-file.ts";

/** The saved-lists file for a daemon URL and org, under `dataDir`. */
export function snapshotFilePath(dataDir: string, url: string, orgID: string): string {
  const normalizedUrl = url.replace(/\/+$/, "");
  const digest = createHash("sha256")
    .update(`${normalizedUrl}\n${orgID}`)
    .digest("hex")
    .slice(0, 24);
  return join(dataDir, "lists", `${digest}.json`);
}

export class FileSnapshotStore implements SnapshotStore {
  /** Writes run one after the other, in the order they were asked for. */
  private chain: Promise<void> = Promise.resolve();

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
      if (raw.url !== this.url.replace(/\/+$/, "")) return undefined;
      return parseSavedSnapshot(raw.snapshot, this.orgID);
    } catch {
      // Missing or unreadable: only a cache, the daemon has the real lists.
      return undefined;
    }
  }

  save(snapshot: SavedSnapshot): Promise<void> {
    const text = JSON.stringify({ version: 1, url: this.url.replace(/\/+$/, ""), snapshot });
    return this.enqueue(() => writePrivateFile(this.path, text));
  }

  clear(): Promise<void> {
    return this.enqueue(() => rm(this.path, { force: true }));
  }

  /** Wait until every write asked for so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
