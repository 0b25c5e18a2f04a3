/**
 * A PostgreSQL server for the scale-out tests, and one fresh database per
 * test file.
 *
 * - ROSTER_TEST_DATABASE_URL set (CI, `pnpm test`): that server is used; each
 *   createDatabase() makes a new database on it.
 * - Unset: a throwaway PostgreSQL (15 preferred) is initialised in a
 *   temporary directory and started on a free port, as the `postgres` user
 *   when running as root (PostgreSQL refuses root), and stopped by stop().
 *   So the suite really runs everywhere the server binaries exist.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Storage } from "@roster/daemon";
import { openPgStorage } from "@roster/daemon/testing";

export interface TestPostgres {
  /** URL of the server's maintenance database (for CREATE DATABASE). */
  adminUrl: string;
  /** A new empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Drop the databases made here and, if this helper started the server, stop it. */
  stop(): Promise<void>;
}

function findBinDir(): string | undefined {
  if (process.env.ROSTER_PG_BINDIR && existsSync(join(process.env.ROSTER_PG_BINDIR, "pg_ctl"))) {
    return process.env.ROSTER_PG_BINDIR;
  }
  if (existsSync("/usr/lib/postgresql/15/bin/pg_ctl")) return "/usr/lib/postgresql/15/bin";
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => existsSync(join("/usr/lib/postgresql", v, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join("/usr/lib/postgresql", versions[0], "bin");
  }
  return undefined;
}

/** Whether a PostgreSQL server is available (a URL, or binaries to start one). */
export function postgresAvailable(): boolean {
  return Boolean(process.env.ROSTER_TEST_DATABASE_URL) || findBinDir() !== undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Owner {
  uid: number;
  gid: number;
}

function postgresOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

function runAs(owner: Owner | undefined, cmd: string, args: string[]): void {
  const [file, argv] = owner ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

async function startThrowaway(): Promise<{ adminUrl: string; stop: () => void }> {
  const bin = findBinDir();
  if (!bin)
    throw new Error(
      "no PostgreSQL server binaries (set ROSTER_TEST_DATABASE_URL or install postgresql-15)",
    );
  const owner = postgresOwner();
  // Under /tmp: the postgres user must be able to traverse every parent.
  const dir = mkdtempSync("/tmp/roster-pg-");
  chmodSync(dir, 0o700);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, "data");
  runAs(owner, join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const hba = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n";
  writeFileSync(join(data, "pg_hba.conf"), hba);
  if (owner) chownSync(join(data, "pg_hba.conf"), owner.uid, owner.gid);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      runAs(owner, join(bin, "pg_ctl"), [
        "-D",
        data,
        "-l",
        join(dir, "postgres.log"),
        "-w",
        "-t",
        "60",
        "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
        "start",
      ]);
      const stop = () => {
        try {
          runAs(owner, join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
        } catch {}
        rmSync(dir, { recursive: true, force: true });
      };
      return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
    } catch (e) {
      lastError = e; // port taken meanwhile: try another
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  let adminUrl: string;
  let stopServer: (() => void) | undefined;
  if (process.env.ROSTER_TEST_DATABASE_URL) {
    adminUrl = process.env.ROSTER_TEST_DATABASE_URL;
  } else {
    const s = await startThrowaway();
    adminUrl = s.adminUrl;
    stopServer = s.stop;
  }
  const created: string[] = [];
  const admin = async <T>(fn: (c: Storage) => Promise<T>): Promise<T> => {
    const c = await openPgStorage({ connectionString: adminUrl, max: 1 });
    try {
      return await fn(c);
    } finally {
      await c.close();
    }
  };
  return {
    adminUrl,
    async createDatabase() {
      const name = `roster_t_${randomBytes(6).toString("hex")}`;
      await admin((c) => c.query(`create database ${name}`));
      created.push(name);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      if (stopServer) {
        stopServer();
        return;
      }
      await admin(async (c) => {
        for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
      }).catch(() => undefined);
    },
  };
}
