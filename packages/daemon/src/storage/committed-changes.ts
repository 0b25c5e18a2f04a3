/**
 * What a transaction appended to the change log, handed over once it has
 * committed: the change feed delivers this process's own commits from here
 * instead of reading them back (storage/change-log.ts appendChange notes each
 * entry on its transaction handle; reportingCommits reports them after COMMIT).
 * A transaction that rolls back, or is retried, reports nothing of that attempt.
 */
import type { ChangeEntry } from "@roster/core";
import type { Sql, Storage } from "./storage.ts";

export type CommittedChange = (orgID: string, entry: ChangeEntry) => void;

const appended = new WeakMap<Sql, Array<[string, ChangeEntry]>>();

/** Called by appendChange inside a transaction. */
export function noteAppended(tx: Sql, orgID: string, entry: ChangeEntry): void {
  appended.get(tx)?.push([orgID, entry]);
}

/**
 * `storage`, whose transactions report each entry they appended to
 * `onCommitted` once COMMIT has succeeded, in append order. Everything else
 * is delegated as is (looked up at each call).
 */
export function reportingCommits(storage: Storage, onCommitted: CommittedChange): Storage {
  return {
    get kind() {
      return storage.kind;
    },
    query: (text, params) => storage.query(text, params),
    listen: (channel, fn, opts) => storage.listen(channel, fn, opts),
    close: () => storage.close(),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      let entries: Array<[string, ChangeEntry]> = [];
      const result = await storage.transaction(async (tx) => {
        entries = []; // a retried transaction starts over
        appended.set(tx, entries);
        try {
          return await fn(tx);
        } finally {
          appended.delete(tx);
        }
      });
      for (const [orgID, entry] of entries) onCommitted(orgID, entry);
      return result;
    },
  };
}
