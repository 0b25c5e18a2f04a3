/**
 * After an unclean stop (kill -9, a crash), Postgres fsyncs every file of its
 * data directory before recovering, one at a time (SyncDataDirectory): on
 * disks where every fsync flushes the device that takes seconds (about 2.3 ms
 * × 1,000 files, measured here). So the storage syncs the tree itself first,
 * in parallel (sync-tree.ts), and until the database is open, a sync of a
 * file or directory this instance has not changed since is skipped: it is on
 * disk already. Every change made meanwhile (recovery writes, creates,
 * renames, unlinks, truncates) is tracked, and its syncs are real; once the
 * database is open, every sync is real.
 */
import { readSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";

/** What is used of Emscripten's NODEFS here. */
export interface EmNode {
  parent: EmNode;
}
export interface TrackedNodeFS {
  realPath(node: EmNode): string;
  stream_ops: { write: (stream: { node: EmNode }, ...rest: unknown[]) => number };
  node_ops: {
    setattr: (node: EmNode, attr: { size?: number }) => void;
    mknod: (parent: EmNode, name: string, ...rest: unknown[]) => EmNode;
    rename: (node: EmNode, newDir: EmNode, newName: string) => void;
    unlink: (parent: EmNode, name: string) => void;
    rmdir: (parent: EmNode, name: string) => void;
  };
}

export class SyncedTree {
  readonly #changed = new Set<string>();
  #trusted = true;

  /** Wrap `nodefs`'s changing operations to record what they change (only while trusted). */
  constructor(private readonly nodefs: TrackedNodeFS) {
    const path = (node: EmNode) => nodefs.realPath(node);
    const mark = (...paths: string[]) => {
      if (this.#trusted) for (const p of paths) this.#changed.add(p);
    };
    const s = nodefs.stream_ops;
    const write = s.write;
    s.write = (stream, ...rest) => (mark(path(stream.node)), write.call(s, stream, ...rest));
    const n = nodefs.node_ops;
    const { setattr, mknod, rename, unlink, rmdir } = n;
    n.setattr = (node, attr) => {
      if (attr.size !== undefined) mark(path(node));
      setattr.call(n, node, attr);
    };
    n.mknod = (parent, name, ...rest) => {
      mark(path(parent), join(path(parent), name));
      return mknod.call(n, parent, name, ...rest);
    };
    n.rename = (node, newDir, newName) => {
      mark(path(node.parent), path(newDir), path(node), join(path(newDir), newName));
      rename.call(n, node, newDir, newName);
    };
    n.unlink = (parent, name) => (mark(path(parent)), unlink.call(n, parent, name));
    n.rmdir = (parent, name) => (mark(path(parent)), rmdir.call(n, parent, name));
  }

  /** Whether a sync of `node` can be skipped: synced by us, unchanged since. */
  skips(node: EmNode): boolean {
    return this.#trusted && !this.#changed.has(this.nodefs.realPath(node));
  }

  /** The database is open: every sync from now on is real. */
  end(): void {
    this.#trusted = false;
    this.#changed.clear();
  }
}

/** pg_control's DBState values of a clean stop (shut down; shut down in recovery). */
const CLEAN_STATES = new Set([1, 2]);

/**
 * Whether Postgres will sync every file before starting (its last stop was
 * not clean). False for a new or unreadable directory: Postgres decides.
 */
export function needsRecoverySync(pgdata: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(join(pgdata, "global", "pg_control"), "r");
    const state = Buffer.alloc(4);
    // ControlFileData: system_identifier (8), pg_control_version (4), catalog_version_no (4), state.
    if (readSync(fd, state, 0, 4, 16) !== 4) return false;
    return !CLEAN_STATES.has(state.readUInt32LE(0));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
