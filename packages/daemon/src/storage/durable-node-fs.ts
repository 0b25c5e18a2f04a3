/**
 * PGlite's Node filesystem, made to keep Postgres's durability promises.
 *
 * PGlite mounts Emscripten's NODEFS over the data directory. Postgres calls
 * fsync()/fdatasync() on the WAL at every commit and on data files at every
 * checkpoint, but in the WASM build neither reaches the disk: `fsync` becomes
 * WASI `fd_sync`, which calls the stream's `fsync` operation — NODEFS has none
 * — and `fdatasync` is an Emscripten syscall stub that only checks the file
 * descriptor. This subclass of PGlite's own NodeFS gives NODEFS streams an
 * `fsync` that calls `fs.fsyncSync`, and replaces the `__syscall_fdatasync`
 * import with one that calls `fs.fdatasyncSync`, both on the host file
 * descriptor behind the stream. A failed sync is reported to Postgres, which
 * PANICs (it never retries a failed fsync) and is then reopened with crash
 * recovery (see pglite-storage.ts).
 *
 * It also watches Postgres's stderr: after a PANIC the WASM runtime aborts and
 * the instance must not be called again (a call can hang), so `fatal` tells
 * the storage to stop using it; the last error lines explain a failed open.
 */
import fs from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";
import { SyncedTree, type EmNode, type TrackedNodeFS } from "./synced-tree.ts";

/** What we use of Emscripten's FS object and its NODEFS. */
interface EmStream {
  nfd?: number;
  node: EmNode;
}
interface EmErrnoError extends Error {
  errno: number;
}
interface EmFS {
  getStream(fd: number): EmStream | null | undefined;
  streams: ReadonlyArray<EmStream | null | undefined>;
  ErrnoError: new (errno: number) => EmErrnoError;
}
type EmNodeFS = TrackedNodeFS & {
  stream_ops: { fsync?: (stream: EmStream) => number };
  tryFSOperation<T>(f: () => T): T;
};
interface EmModule {
  FS: EmFS;
  NODEFS: EmNodeFS;
  /** Called by PGlite's message loop (see #stopLoop). */
  [name: string]: unknown;
}
type Imports = { env: Record<string, unknown> };
interface EmscriptenOpts {
  preRun?: Array<(mod: EmModule) => void>;
  printErr?: (text: string) => void;
  instantiateWasm?: (imports: Imports, done: (...args: unknown[]) => void) => unknown;
}

const EBADF = 8;
/** What PGlite's message loop (execProtocolRawSync) calls on the module, in its body and its catch. */
const LOOP_CALLS = [
  "_PostgresMainLoopOnce",
  "_pq_buffer_remaining_data",
  "stackSave",
  "stackRestore",
  "_pgl_setPGliteExitStatus",
  "_PostgresMainLongJmp",
];
/** ...and in its finally. */
const LOOP_FINALLY_CALLS = ["_PostgresSendReadyForQueryIfNecessary", "_pgl_pq_flush"];
/** Lines after which the runtime is gone: a PANIC, or Emscripten's abort(). */
const FATAL_LINE = /\bPANIC:|^Aborted\(/;
/** Lines worth quoting when an open fails. */
const ERROR_LINE = /\b(PANIC|FATAL|ERROR|DETAIL):|^Aborted\(/;

export class DurableNodeFS extends NodeFS {
  /** The stderr line that killed this instance, once Postgres PANICked or the runtime aborted. */
  fatal: string | undefined;
  readonly #errors: string[] = [];
  #mod: EmModule | undefined;
  #synced: SyncedTree | undefined;

  /**
   * `treeSynced`: the caller has just synced every file of the directory (see
   * synced-tree.ts); until endStartup(), syncs of what this instance has not
   * changed are skipped.
   */
  constructor(
    dataDir: string,
    private readonly onFatal?: (line: string) => void,
    private readonly treeSynced = false,
  ) {
    super(dataDir);
  }

  /** The database is open: every sync from now on reaches the disk. */
  endStartup(): void {
    this.#synced?.end();
  }

  /** The last error lines Postgres printed (for the message of a failed open). */
  get lastErrors(): readonly string[] {
    return this.#errors;
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS["init"]>[1]) {
    const { emscriptenOpts } = await super.init(pg, opts);
    const o = emscriptenOpts as unknown as EmscriptenOpts;
    const instantiate = o.instantiateWasm;
    if (!instantiate) {
      // Fail loudly rather than run without durable commits.
      throw new Error("this PGlite build does not let the filesystem hook fdatasync");
    }
    const printErr = o.printErr;
    const amended: EmscriptenOpts = {
      ...o,
      printErr: (text) => {
        this.#watch(text);
        printErr?.(text);
      },
      instantiateWasm: (imports, done) => {
        imports.env.__syscall_fdatasync = (fd: number) => this.#fdatasync(fd);
        return instantiate(imports, done);
      },
      preRun: [...(o.preRun ?? []), (mod) => this.#install(mod)],
    };
    return { emscriptenOpts: amended as unknown as typeof emscriptenOpts };
  }

  /**
   * Close the host file descriptors of an instance that died (it can no
   * longer close them itself), before a new instance opens the directory.
   */
  releaseHandles(): void {
    for (const stream of this.#mod?.FS.streams ?? []) {
      if (stream?.nfd === undefined) continue;
      try {
        fs.closeSync(stream.nfd);
      } catch {
        // Already closed.
      }
      stream.nfd = undefined;
    }
  }

  #install(mod: EmModule): void {
    this.#mod = mod;
    const nodefs = mod.NODEFS;
    if (this.treeSynced) this.#synced = new SyncedTree(nodefs);
    nodefs.stream_ops.fsync = (stream) => {
      const fd = stream.nfd;
      if (fd !== undefined && !this.#synced?.skips(stream.node)) {
        nodefs.tryFSOperation(() => fs.fsyncSync(fd));
      }
      return 0;
    };
  }

  /** Returns 0 or a negated Emscripten errno, as a syscall import must. */
  #fdatasync(fd: number): number {
    const mod = this.#mod;
    if (!mod) return -EBADF;
    try {
      const stream = mod.FS.getStream(fd);
      if (!stream) return -EBADF;
      const hostFd = stream.nfd;
      if (hostFd !== undefined && !this.#synced?.skips(stream.node)) {
        mod.NODEFS.tryFSOperation(() => fs.fdatasyncSync(hostFd));
      }
      return 0;
    } catch (e) {
      if (e instanceof mod.FS.ErrnoError) return -e.errno;
      throw e;
    }
  }

  #watch(text: string): void {
    if (ERROR_LINE.test(text)) {
      this.#errors.push(text.replace(/^\S+ \S+ \S+ \[\d+\] /, ""));
      if (this.#errors.length > 5) this.#errors.shift();
    }
    if (this.fatal === undefined && FATAL_LINE.test(text)) {
      this.fatal = text;
      this.#stopLoop();
      this.onFatal?.(text);
    }
  }

  /**
   * PGlite runs Postgres's message loop until the message is consumed, and
   * catches every exception in it to carry on: after an abort that loop would
   * never end, and the daemon's event loop with it. Make every function the
   * loop and its exception handler call throw (which ends the loop), and the
   * ones its `finally` calls do nothing: the dead module is never entered again.
   */
  #stopLoop(): void {
    const mod = this.#mod;
    if (!mod) return;
    const stopped = () => {
      throw new DatabaseStoppedError(this.fatal ?? "aborted");
    };
    for (const name of LOOP_CALLS) mod[name] = stopped;
    for (const name of LOOP_FINALLY_CALLS) mod[name] = () => undefined;
  }
}

/** What a call into a stopped instance throws; a PANIC for lack of space says disk full. */
export class DatabaseStoppedError extends Error {
  override readonly name = "DatabaseStoppedError";
  readonly code: string | undefined;
  constructor(line: string) {
    super(`the embedded database stopped: ${line.replace(/^\S+ \S+ \S+ \[\d+\] /, "")}`);
    this.code = isDiskFullLine(line) ? "53100" : undefined;
  }
}

/** Whether a Postgres error line says the disk (or the quota) is full. */
export function isDiskFullLine(line: string): boolean {
  return /No space left on device|Disk quota exceeded/.test(line);
}
