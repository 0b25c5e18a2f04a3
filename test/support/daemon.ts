/**
 * Real daemons for tests.
 *
 * - startTestDaemon(): spawns the daemon's command line (main.ts's runDaemonCli,
 *   from the build when it is up to date, else `node --import tsx
 *   packages/daemon/src/main.ts`: support/roster-bin.ts) as a real process
 *   (restart, SIGTERM, kill -9, the data-directory lock) on a free port with a
 *   temporary data directory, and waits until it listens.
 * - startInProcessDaemon(): startDaemon() in this process (fast; direct
 *   access to its storage, service and change feed).
 *
 * A fresh PGlite database takes seconds to initialise, so new data
 * directories are seeded from a migrated template built once per machine
 * (pass `fresh: true` to skip that and let the daemon initialise its own).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RosterClient } from "@roster/core/client";
import type { SetupResponse } from "@roster/core";
import { startDaemon, type DaemonOptions, type RunningDaemon } from "@roster/daemon";
import { daemonCommand } from "./roster-bin.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DAEMON_MAIN = join(REPO_ROOT, "packages/daemon/src/main.ts");

export interface OrgSetup {
  url: string;
  token: string;
  orgID: string;
  userID: string;
  email: string;
}

export interface SetupOrgInput {
  org?: string;
  email?: string;
  name?: string;
}

// ------------------------------------------------------------ data dirs

/** A new empty temporary directory. */
export function tempDir(prefix = "roster-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let templateReady: Promise<string> | undefined;

/** Key of the template: changes when the schema or PGlite changes. */
function templateKey(): string {
  const h = createHash("sha256");
  h.update(readFileSync(join(REPO_ROOT, "packages/daemon/src/storage/migrations.ts")));
  const pglitePkg = join(
    REPO_ROOT,
    "packages/daemon/node_modules/@electric-sql/pglite/package.json",
  );
  if (existsSync(pglitePkg)) h.update(readFileSync(pglitePkg));
  return h.digest("hex").slice(0, 16);
}

/** A migrated, cleanly closed PGlite `pgdata` directory, built once per machine and schema. */
export function pgliteTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const dir = join(tmpdir(), `roster-pglite-template-${templateKey()}`);
    if (existsSync(join(dir, "PG_VERSION"))) return dir;
    const { migrate, openPgliteStorage } = await import("@roster/daemon/testing");
    const building = tempDir("roster-pglite-template-build-");
    const storage = await openPgliteStorage({ dataDir: building });
    await migrate(storage);
    await storage.close();
    try {
      renameSync(join(building, "pgdata"), dir);
    } catch {
      // Another test process won the race: use its template.
    }
    rmSync(building, { recursive: true, force: true });
    return dir;
  })();
  return templateReady;
}

/** Seed `<dataDir>/pgdata` from the template unless it exists. */
export async function seedDataDir(dataDir: string): Promise<void> {
  const target = join(dataDir, "pgdata");
  if (existsSync(target)) return;
  const template = await pgliteTemplate();
  cpSync(template, target, { recursive: true });
}

// ------------------------------------------------------------ helpers

async function setupOrgVia(
  url: string,
  state: { owner?: OrgSetup },
  input: SetupOrgInput = {},
): Promise<OrgSetup> {
  const client = new RosterClient({ url });
  const { allowed } = await client.setupStatus();
  if (allowed) {
    const r: SetupResponse = await client.setup({
      org: input.org ?? "Acme",
      email: input.email ?? "owner@example.com",
      ...(input.name !== undefined ? { name: input.name } : {}),
    });
    const owner = { url, token: r.token, orgID: r.org.id, userID: r.user.id, email: r.user.email };
    state.owner ??= owner;
    return owner;
  }
  if (!state.owner)
    throw new Error("setup was already done on this daemon, and no owner token is known");
  const org = await client
    .withToken(state.owner.token)
    .createOrg(input.org ?? `Org ${randomBytes(3).toString("hex")}`);
  return { ...state.owner, orgID: org.id };
}

// ------------------------------------------------------------ spawned

export interface StartTestDaemonOptions {
  /** Data directory (default: a new temporary one, removed by cleanup()). */
  dataDir?: string;
  /** Port (default 0: any free port; a restart keeps the port it got). */
  port?: number;
  databaseUrl?: string;
  publicUrl?: string;
  smtpUrl?: string;
  resendIntervalS?: number;
  /** Extra flags for main.ts. */
  args?: string[];
  /** Extra environment (ROSTER_* of the test process are not inherited). */
  env?: Record<string, string>;
  /** Let the daemon initialise its own database instead of copying the template. */
  fresh?: boolean;
  /** Milliseconds to wait for "listening" (default 60 s). */
  timeoutMs?: number;
}

export interface TestDaemon {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** The first owner, once setupOrg() ran. */
  readonly owner: OrgSetup | undefined;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  client(token?: string): RosterClient;
  /** Set up (first call) or create another org for the first owner. */
  setupOrg(input?: SetupOrgInput): Promise<OrgSetup>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (kill -9); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same data directory and port (stops it first if running). */
  restart(): Promise<void>;
  /** Stop (if running) and remove the data directory if this helper created it. */
  cleanup(): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  url: string;
  port: number;
  exited: Promise<number | null>;
}

/** Spawn the daemon (main.ts's flags) and wait for its "listening" log line (or its exit). */
export function spawnDaemon(
  args: string[],
  env: Record<string, string | undefined>,
  sink: { out: string },
  timeoutMs = 60_000,
): Promise<Spawned> {
  const child = spawn(...daemonCommand(args), {
    cwd: REPO_ROOT,
    env: env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  return new Promise((resolveStart, rejectStart) => {
    let lineBuf = "";
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill("SIGKILL");
      rejectStart(new Error(`daemon did not start within ${timeoutMs} ms:\n${sink.out}`));
    }, timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      sink.out += d;
    });
    child.stdout.on("data", (d: string) => {
      sink.out += d;
      if (done) return;
      lineBuf += d;
      let nl;
      while ((nl = lineBuf.indexOf("\n")) >= 0) {
        const line = lineBuf.slice(0, nl);
        lineBuf = lineBuf.slice(nl + 1);
        let rec: { msg?: string; url?: string };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          continue;
        }
        if (rec.msg === "listening" && rec.url) {
          done = true;
          clearTimeout(timer);
          resolveStart({ child, url: rec.url, port: Number(new URL(rec.url).port), exited });
          return;
        }
      }
    });
    void exited.then((code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      rejectStart(new DaemonExitedError(code, sink.out));
    });
  });
}

export class DaemonExitedError extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`daemon exited with code ${code} before listening:\n${output}`);
  }
}

/** The environment of a spawned daemon: this process's, minus ROSTER_* settings. */
export function daemonEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("ROSTER_")) delete env[k];
  return { ...env, ROSTER_LOG_LEVEL: "info", ...extra };
}

export async function startTestDaemon(opts: StartTestDaemonOptions = {}): Promise<TestDaemon> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? tempDir();
  if (!opts.fresh && !opts.databaseUrl) await seedDataDir(dataDir);
  const sink = { out: "" };
  const state: { owner?: OrgSetup } = {};
  let port = opts.port ?? 0;

  const argsFor = (p: number) => [
    "--port",
    String(p),
    "--data-dir",
    dataDir,
    ...(opts.databaseUrl ? ["--database-url", opts.databaseUrl] : []),
    ...(opts.publicUrl ? ["--public-url", opts.publicUrl] : []),
    ...(opts.smtpUrl ? ["--smtp-url", opts.smtpUrl] : []),
    ...(opts.resendIntervalS !== undefined
      ? ["--resend-interval", String(opts.resendIntervalS)]
      : []),
    ...(opts.args ?? []),
  ];
  const env = daemonEnv(opts.env);

  let current = await spawnDaemon(argsFor(port), env, sink, opts.timeoutMs);
  port = current.port;
  let running = true;
  void current.exited.then(() => (running = false));

  const d: TestDaemon = {
    get url() {
      return current.url;
    },
    get port() {
      return port;
    },
    dataDir,
    get pid() {
      return current.child.pid ?? -1;
    },
    get owner() {
      return state.owner;
    },
    output: () => sink.out,
    client: (token?: string) => new RosterClient({ url: current.url, token }),
    setupOrg: (input?: SetupOrgInput) => setupOrgVia(current.url, state, input),
    async stop() {
      if (!running) return current.child.exitCode;
      current.child.kill("SIGTERM");
      return current.exited;
    },
    async kill() {
      if (!running) return;
      current.child.kill("SIGKILL");
      await current.exited;
    },
    async restart() {
      await d.stop();
      current = await spawnDaemon(argsFor(port), env, sink, opts.timeoutMs);
      running = true;
      const mine = current;
      void mine.exited.then(() => {
        if (current === mine) running = false;
      });
    },
    async cleanup() {
      await d.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return d;
}

// ------------------------------------------------------------ in-process

export type InProcessOptions = Partial<DaemonOptions> & { fresh?: boolean };

export interface InProcessDaemon {
  readonly url: string;
  readonly dataDir: string;
  readonly daemon: RunningDaemon;
  readonly owner: OrgSetup | undefined;
  client(token?: string): RosterClient;
  setupOrg(input?: SetupOrgInput): Promise<OrgSetup>;
  /** The raw activation token of the latest send of an invitation (read from the outbox). */
  activationToken(inviteID: string): Promise<string>;
  /** Close the daemon and remove the data directory if this helper created it. */
  close(): Promise<void>;
}

export async function startInProcessDaemon(opts: InProcessOptions = {}): Promise<InProcessDaemon> {
  const { fresh, ...daemonOpts } = opts;
  const ownDir = daemonOpts.dataDir === undefined;
  const dataDir = daemonOpts.dataDir ?? tempDir();
  if (!fresh && !daemonOpts.databaseUrl) await seedDataDir(dataDir);
  const daemon = await startDaemon({
    port: 0,
    logLevel: (process.env.ROSTER_TEST_LOG_LEVEL as DaemonOptions["logLevel"]) ?? "silent",
    ...daemonOpts,
    dataDir,
  });
  const state: { owner?: OrgSetup } = {};
  return {
    url: daemon.url,
    dataDir,
    daemon,
    get owner() {
      return state.owner;
    },
    client: (token?: string) => new RosterClient({ url: daemon.url, token }),
    setupOrg: (input?: SetupOrgInput) => setupOrgVia(daemon.url, state, input),
    activationToken: (inviteID: string) => activationToken(daemon, inviteID),
    async close() {
      await daemon.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Query = (text: string, params?: readonly unknown[]) => Promise<{ rows: unknown[] }>;

/** Wrap a daemon's storage.query (every read and command goes through it) until the returned undo. */
export function interceptQueries(
  daemon: Pick<RunningDaemon, "storage">,
  wrap: (orig: Query) => Query,
): () => void {
  const storage = daemon.storage as unknown as { query: Query };
  const orig = storage.query.bind(storage);
  storage.query = wrap(orig);
  return () => {
    storage.query = orig;
  };
}

/** Number of database statements the daemon ran during `fn`. */
export async function statementsDuring(
  daemon: Pick<RunningDaemon, "storage">,
  fn: () => Promise<unknown>,
): Promise<number> {
  let n = 0;
  const undo = interceptQueries(daemon, (orig) => (text, params) => {
    n++;
    return orig(text, params);
  });
  try {
    await fn();
  } finally {
    undo();
  }
  return n;
}

/** The raw token of the newest outbox row of an invitation (until the mail worker sends it). */
export async function activationToken(
  daemon: Pick<RunningDaemon, "storage">,
  inviteID: string,
): Promise<string> {
  const r = await daemon.storage.query<{ link_token: string | null }>(
    "select link_token from outbox where invite_id = $1 order by send_number desc, id desc limit 1",
    [inviteID],
  );
  const token = r.rows[0]?.link_token;
  if (!token) throw new Error(`no unsent activation token for invitation ${inviteID}`);
  return token;
}

// ------------------------------------------------------------ raw HTTP

export interface HttpResult {
  status: number;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: any;
  text: string;
  headers: Headers;
}

export interface HttpOptions {
  /** Sent as `Authorization: Token <token>`. */
  token?: string;
  /** Raw Authorization header value (wins over token). */
  authorization?: string;
  /** JSON body (sets Content-Type: application/json). */
  json?: unknown;
  /** Raw body, sent as is (set the content type in headers). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** One HTTP request, no client-side interpretation: for status and error-shape checks. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  opts: HttpOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.authorization !== undefined) headers.Authorization = opts.authorization;
  else if (opts.token !== undefined) headers.Authorization = `Token ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.json !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  const res = await fetch(baseUrl + path, { method, headers, body: body ?? null });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
