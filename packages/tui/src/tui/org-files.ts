/**
 * What the TUI's files for one (daemon URL, org) share — the offline queue
 * (file-action-store.ts) and the last known lists (file-snapshot-store.ts):
 * where they live, and writes that run one after the other.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** A daemon URL as the files name it: without trailing slashes. */
export const normalizeUrl = (url: string): string => url.replace(/\/+$/, "");

/** The file for a daemon URL and org under `<dataDir>/<folder>` (named by a digest of both). */
export function orgFilePath(dataDir: string, folder: string, url: string, orgID: string): string {
  const digest = createHash("sha256")
    .update(`${normalizeUrl(url)}\n${orgID}`)
    .digest("hex")
    .slice(0, 24);
  return join(dataDir, folder, `${digest}.json`);
}

/** Writes run one after the other, in the order they were asked for. */
export class WriteQueue {
  private chain: Promise<void> = Promise.resolve();

  run(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write);
    // Keep the chain alive after a failed write; the caller still sees the error.
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every write asked for so far is done. */
  flush(): Promise<void> {
    return this.chain;
  }
}
