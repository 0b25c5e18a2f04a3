/**
 * The offline queue on disk: one JSON file per (daemon URL, org) under the
 * data directory, so queued actions survive quitting the TUI. Every save
 * replaces the file atomically (write a temporary file, fsync, rename), so a
 * crash leaves either the old queue or the new one, never half of one.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePendingActions, type ActionStore, type PendingAction } from "@roster/core";
import { writePrivateFile } from "../private-file.ts";

/** The queue file for a daemon URL and org, under `dataDir`. */
export function queueFilePath(dataDir: string, url: string, orgID: string): string {
  const normalizedUrl = url.replace(/\/+$/, "");
  const digest = createHash("sha256")
    .update(`${normalizedUrl}\n${orgID}`)
    .digest("hex")
    .slice(0, 24);
  return join(dataDir, "queue", `${digest}.json`);
}

export class FileActionStore implements ActionStore {
  /** Saves run one after the other, in the order they were asked for. */
  private chain: Promise<void> = Promise.resolve();

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
    const next = this.chain.then(() => writePrivateFile(this.path, snapshot));
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Wait until every save asked for so far is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}
