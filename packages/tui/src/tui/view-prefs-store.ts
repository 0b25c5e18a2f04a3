/**
 * The TUI's view preferences that outlive a run: the sort of each list
 * (`s` / `S`), in `<dataDir>/tui/view.json`, replaced atomically
 * (private-file.ts). A missing or damaged file means the defaults.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_SORT, normalizeSort, type SortPrefs } from "@roster/core";
import { writePrivateFile } from "../private-file.ts";
import { WriteQueue } from "./org-files.ts";

export function viewPrefsPath(dataDir: string): string {
  return join(dataDir, "tui", "view.json");
}

export class ViewPrefsStore {
  private readonly writes = new WriteQueue();

  constructor(readonly path: string) {}

  async loadSort(): Promise<SortPrefs> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, "utf8"));
    } catch {
      return DEFAULT_SORT;
    }
    const sort = (raw as { sort?: { members?: unknown; invites?: unknown } } | null)?.sort;
    return {
      members: normalizeSort("members", sort?.members),
      invites: normalizeSort("invites", sort?.invites),
    };
  }

  /** Writes run in order, so the last choice is the one kept. */
  saveSort(sort: SortPrefs): Promise<void> {
    return this.writes.run(() =>
      writePrivateFile(this.path, `${JSON.stringify({ sort }, null, 2)}\n`),
    );
  }
}
