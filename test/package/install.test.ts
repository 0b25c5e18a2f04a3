/**
 * The installable package, as a user gets it: `pnpm run package`'s tarball
 * installed with `npm install -g --offline` into a temporary prefix, run on a
 * fresh HOME outside the checkout — the daemon in the background (PGlite
 * finding its files in the installed layout), setup, invitations, status,
 * logs, stop, completion and the TUI in a real terminal. And start-up: the
 * quick commands load no Ink, React or PGlite.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTui } from "../support/tui-pty.ts";
import { REPO_ROOT, tempDir } from "../support/daemon.ts";
import { postgresAvailable, startTestPostgres, type TestPostgres } from "../support/postgres.ts";
import { freePort } from "../support/smtp-sink.ts";

const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, "packages/tui/package.json"), "utf8")) as {
    version: string;
  }
).version;

let work: string;
let home: string;
let roster: string;
let tarball: string;
let meta: { outputs: Record<string, { inputs: Record<string, unknown> }> };
let url: string;

/** npm and the installed roster see none of this checkout: no pnpm or npm_config_* settings. */
function outsideEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    TERM: "xterm-256color",
    NO_COLOR: "1",
  };
  return { ...env, ...extra };
}

function run(args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(roster, args, {
    cwd: home,
    env: outsideEnv(extra),
    encoding: "utf8",
    timeout: 90_000,
  });
}

beforeAll(() => {
  work = tempDir("roster-install-");
  home = join(work, "home");
  mkdirSync(home);
  execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "packages/tui/scripts/package.ts",
      "--out",
      join(work, "dist"),
      "--meta",
      join(work, "meta.json"),
    ],
    { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  tarball = join(work, "dist", `roster-${VERSION}.tgz`);
  meta = JSON.parse(readFileSync(join(work, "meta.json"), "utf8")) as typeof meta;
  // Offline: the bundle has no dependencies to fetch.
  execFileSync(
    "npm",
    ["install", "-g", "--offline", "--no-audit", "--no-fund", "--no-update-notifier"].concat([
      "--prefix",
      join(work, "prefix"),
      tarball,
    ]),
    { cwd: home, env: outsideEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  roster = join(work, "prefix", "bin", "roster");
}, 180_000);

afterAll(() => {
  // Whatever a failed test left running.
  spawnSync(roster, ["daemon", "stop", "--timeout", "20"], { cwd: home, env: outsideEnv() });
  rmSync(work, { recursive: true, force: true });
});

describe("the roster package", () => {
  it("holds built JavaScript, PGlite's files and licences, no TypeScript, and declares itself", () => {
    const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/package.json",
        "package/bin/roster.js",
        "package/dist/bin.js",
        "package/dist/index.js",
        "package/dist/chunks/pglite.wasm",
        "package/dist/chunks/pglite.data",
        "package/dist/chunks/initdb.wasm",
        "package/dist/THIRD-PARTY-LICENSES.txt",
      ]),
    );
    expect(files.filter((f) => /\.tsx?$/.test(f))).toEqual([]);
    const installed = join(work, "prefix", "lib", "node_modules", "roster");
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({
      name: "roster",
      version: VERSION,
      bin: { roster: "./bin/roster.js" },
      engines: { node: ">=20" },
      license: expect.any(String) as string,
      exports: { ".": "./dist/index.js" },
    });
    expect(pkg).not.toHaveProperty("dependencies");
    // Nothing was installed beside it.
    expect(readdirSync(join(work, "prefix", "lib", "node_modules"))).toEqual(["roster"]);
  });

  it("exports the API client to programs", () => {
    // A project that depends on it: node_modules/roster is the installed package.
    const project = join(work, "project");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    symlinkSync(
      join(work, "prefix", "lib", "node_modules", "roster"),
      join(project, "node_modules", "roster"),
    );
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("roster"); console.log(typeof m.RosterClient)',
      ],
      { cwd: project, env: outsideEnv(), encoding: "utf8" },
    );
    expect(out).toBe("function\n");
  }, 30_000);

  it("prints its version", () => {
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });
});

describe("the installed roster, on a fresh HOME", () => {
  it("starts a daemon in the background (a new embedded database), sets up and invites", async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const detach = run(["daemon", "--detach", "--port", String(port)]);
    expect(detach.stderr).toBe("");
    expect(detach.status).toBe(0);
    expect(detach.stdout).toContain(`at ${url}.`);

    const setup = run(["setup", "--org", "Acme", "--email", "owner@example.com", "--url", url]);
    expect(setup.status).toBe(0);
    expect(setup.stdout).toContain(`${home}/.config/roster/config.json`);
    const add = run(["invites", "add", "bob@example.com", "--json"]);
    expect(add.status).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ email: "bob@example.com", status: "pending" });
    const members = run(["members", "list"]);
    expect(members.status).toBe(0);
    expect(members.stdout).toContain("owner@example.com");
    const mail = join(home, ".local", "share", "roster", "mail");
    await expect
      .poll(() => readdirSync(mail).filter((f) => f.endsWith(".eml")).length, { timeout: 15_000 })
      .toBe(1);
  }, 120_000);

  it("reports the daemon's status and log", () => {
    const status = run(["daemon", "status", "--json"]);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      health: "pass",
      url,
      storage: "pglite",
      version: VERSION,
      dataDir: join(home, ".local", "share", "roster"),
    });
    const logs = run(["daemon", "logs", "-n", "50"]);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toContain('"msg":"listening"');
  });

  it("made its database from the template it ships (no initdb on the first start)", () => {
    const logs = run(["daemon", "logs", "-n", "50"]);
    expect(logs.status).toBe(0);
    expect(logs.stdout).toMatch(/"from":"template"[^\n]*"msg":"created the embedded database"/);
  });

  it("completes subcommands and org names in bash", () => {
    const script = run(["completion", "bash"]);
    expect(script.status).toBe(0);
    writeFileSync(join(work, "roster.bash"), script.stdout);
    const out = execFileSync(
      "bash",
      [
        "-c",
        `source "$1"; COMP_WORDS=("$2" members list --org A); COMP_CWORD=4; _roster_complete; echo "\${COMPREPLY[*]}"; ` +
          `COMP_WORDS=("$2" inv); COMP_CWORD=1; _roster_complete; echo "\${COMPREPLY[*]}"`,
        "bash",
        join(work, "roster.bash"),
        roster,
      ],
      { cwd: home, env: outsideEnv(), encoding: "utf8" },
    );
    expect(out).toBe("Acme\ninvites\n");
  });

  it("runs the TUI in a terminal: the org's lists, live", async () => {
    const tui = startTui({ env: outsideEnv(), executable: { file: roster, cwd: home } });
    try {
      const screen = await tui.waitFor(/Roster · Acme.*● live/, 30_000);
      expect(screen).toContain("owner@example.com");
      tui.write("2");
      await tui.waitFor("bob@example.com");
      tui.write("q");
      expect(await tui.exited).toBe(0);
    } finally {
      tui.kill();
    }
  }, 60_000);

  it("loads no Ink, React or PGlite for --version, members list and invites add", () => {
    const hooks = join(work, "hooks.mjs");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";\n` +
        `export async function load(url, context, next) {\n` +
        `  if (url.startsWith("file:")) appendFileSync(process.env.LOADED_LOG, url + "\\n");\n` +
        `  return next(url, context);\n}\n`,
    );
    writeFileSync(
      join(work, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    const packagesLoaded = (args: string[]) => {
      const log = join(work, `loaded-${args[0]}.log`);
      writeFileSync(log, "");
      const r = run(args, {
        NODE_OPTIONS: `--import ${join(work, "register.mjs")}`,
        LOADED_LOG: log,
      });
      expect(r.status, r.stderr).toBe(args[1] === "add" ? 1 : 0);
      const outputs = readFileSync(log, "utf8")
        .split("\n")
        .map((u) => u.split("/node_modules/roster/dist/")[1])
        .filter((f): f is string => f !== undefined);
      expect(outputs.length).toBeGreaterThan(0);
      const packages = new Set<string>();
      for (const out of outputs) {
        const key = Object.keys(meta.outputs).find((k) => k.endsWith(`/dist/${out}`));
        expect(key, out).toBeDefined();
        for (const input of Object.keys(meta.outputs[key!]!.inputs)) {
          const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
          packages.add(m ? m[1]! : "(roster)");
        }
      }
      return packages;
    };
    for (const args of [
      ["--version"],
      ["members", "list"],
      ["invites", "add", "bob@example.com"],
    ]) {
      const packages = packagesLoaded(args);
      expect(packages.has("commander")).toBe(true);
      for (const heavy of [
        "ink",
        "react",
        "react-reconciler",
        "yoga-layout",
        "@electric-sql/pglite",
        "hono",
        "pino",
        "ws",
      ])
        expect(packages.has(heavy), `${args.join(" ")} loads ${heavy}`).toBe(false);
    }
  });

  it("stops the daemon cleanly", () => {
    const stop = run(["daemon", "stop"]);
    expect(stop.status).toBe(0);
    expect(stop.stdout).toMatch(/^Stopped the Roster daemon \(pid \d+\) at http/);
    const status = run(["daemon", "status"]);
    expect(status.status).toBe(3);
    expect(status.stdout).toContain("not running");
  }, 60_000);
});

describe.skipIf(!postgresAvailable())("the installed daemon on a PostgreSQL server", () => {
  let pg: TestPostgres;
  let pgDaemon = 0;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  beforeAll(async () => {
    pg = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    if (pgDaemon && alive(pgDaemon)) process.kill(pgDaemon, "SIGKILL");
    await pg?.stop();
  });

  it("serves through the bundled pg driver", async () => {
    const port = await freePort();
    const dataDir = join(work, "pg-data");
    const databaseUrl = await pg.createDatabase();
    const detach = run([
      "daemon",
      "--detach",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--database-url",
      databaseUrl,
    ]);
    expect(detach.stderr).toBe("");
    expect(detach.status).toBe(0);
    // No data-directory lock on a server database: the launcher's pid is how to stop it.
    expect(detach.stdout).toContain("holds no lock on its data directory");
    pgDaemon = Number(/\(pid (\d+)\)/.exec(detach.stdout)![1]);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as object;
    expect(health).toMatchObject({ status: "pass", storage: "postgres", version: VERSION });
    const setup = run([
      "setup",
      "--org",
      "Pg",
      "--email",
      "pg@example.com",
      "--url",
      `http://127.0.0.1:${port}`,
    ]);
    expect(setup.status).toBe(0);
    process.kill(pgDaemon, "SIGTERM");
    await expect.poll(() => alive(pgDaemon), { timeout: 20_000 }).toBe(false);
  }, 120_000);
});
