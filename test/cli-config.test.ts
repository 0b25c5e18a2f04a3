/**
 * The real `roster` executable: setup and the config file (XDG path, 0600,
 * env and flag overrides), --help/--version, usage errors (exit 2) and an
 * unreachable daemon (exit 3, naming the URL).
 */
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Member, Org } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, roster, tempDir, type RunResult } from "./cli-support.ts";
import { seedDataDir, startTestDaemon, type TestDaemon } from "./support/daemon.ts";
import { rosterCommand } from "./support/roster-bin.ts";

let home: { path: string; remove: () => Promise<void> };
const run = (args: string[], env?: Record<string, string | undefined>) =>
  roster(args, { configHome: home.path, ...(env ? { env } : {}) });

/** A port on which nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Run a few at a time: the machine is shared. */
async function inBatches<T>(jobs: (() => Promise<T>)[], size = 3): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += size)
    out.push(...(await Promise.all(jobs.slice(i, i + size).map((j) => j()))));
  return out;
}

function usage(r: RunResult, pattern: RegExp): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
  expect(r.stderr).toMatch(pattern);
}

/**
 * The two daemons of "with a daemon" (the second for a first setup of its own),
 * started at once: they boot while the cases without a daemon run.
 */
let daemons: Promise<PromiseSettledResult<TestDaemon>[]> | undefined;

beforeAll(async () => {
  home = await tempDir("roster-cli-config-");
  daemons = Promise.allSettled([startTestDaemon(), startTestDaemon()]);
});
afterAll(async () => {
  for (const started of (await daemons) ?? [])
    if (started.status === "fulfilled") await started.value.cleanup();
  await home?.remove();
});

describe("without a daemon", { timeout: 90_000 }, () => {
  it("prints help for the program and every command, and the version", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, "packages/tui/package.json"), "utf8")) as {
      version: string;
    };
    const version = await run(["--version"]);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });

    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["daemon", "setup", "accept", "members", "invites", "orgs"])
      expect(top.stdout).toContain(cmd);
    expect(top.stdout).toContain(
      "Exit codes: 0 ok, 1 the daemon refused, 2 usage error, 3 daemon unreachable.",
    );

    const commands = [
      ["daemon"],
      ["setup"],
      ["accept"],
      ["members"],
      ["members", "list"],
      ["members", "remove"],
      ["invites"],
      ["invites", "list"],
      ["invites", "add"],
      ["invites", "resend"],
      ["invites", "withdraw"],
      ["orgs"],
      ["orgs", "list"],
      ["orgs", "create"],
    ];
    const results = await inBatches(commands.map((c) => () => run([...c, "--help"])));
    const help = new Map(commands.map((c, i) => [c.join(" "), results[i]!]));
    for (const [name, r] of help) {
      expect(r.code, name).toBe(0);
      expect(r.stdout).toContain(`Usage: roster ${name}`);
    }
    for (const name of [
      "members list",
      "members remove",
      "invites list",
      "invites add",
      "invites resend",
      "invites withdraw",
    ]) {
      expect(help.get(name)!.stdout).toContain("--json");
      expect(help.get(name)!.stdout).toContain("--org <id-or-name>");
    }
    for (const name of ["orgs list", "orgs create", "setup", "accept"])
      expect(help.get(name)!.stdout).toContain("--json");
    const viaHelp = await run(["help", "invites"]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain("Usage: roster invites");
    expect(help.get("daemon")!.stdout).toMatch(
      /--port[\s\S]*--host[\s\S]*--data-dir[\s\S]*--database-url/,
    );
  });

  it("exits 2 on usage errors, with commander's message on stderr", async () => {
    const [
      unknownCmd,
      unknownSub,
      unknownOpt,
      missingArg,
      missingOpt,
      badChoice,
      badPort,
      noSub,
      badLink,
      badUrl,
      acceptUnknownOpt,
      acceptTwoTokens,
    ] = await inBatches([
      () => run(["bogus"]),
      () => run(["members", "lst"]),
      () => run(["members", "list", "--bogus"]),
      () => run(["invites", "add"]),
      () => run(["setup", "--org", "Acme"]),
      () => run(["invites", "list", "--status", "everything"]),
      () => run(["daemon", "--port", "http"]),
      () => run(["invites"]),
      () => run(["accept", "not a link"]),
      () => run(["members", "list", "--url", "ftp://x"]),
      () => run(["accept", "--jsno", "roster_inv_abcdefghijklmnopqrstuvwxyz"]),
      () => run(["accept", "roster_inv_abcdefghijklmnopqrstuvwxyz", "second"]),
    ]);
    usage(unknownCmd!, /unknown command 'bogus'/);
    usage(unknownSub!, /unknown command 'lst'/);
    usage(unknownOpt!, /unknown option '--bogus'/);
    usage(missingArg!, /missing required argument 'email'/);
    usage(missingOpt!, /required option '--email <email>' not specified/);
    usage(badChoice!, /Allowed choices are pending, expired, accepted, withdrawn, open, all/);
    usage(badPort!, /--port <port>' argument 'http' is invalid/);
    usage(noSub!, /Usage: roster invites/);
    usage(badLink!, /is neither an activation link/);
    usage(badUrl!, /must start with http:\/\/ or https:\/\//);
    usage(acceptUnknownOpt!, /unknown option '--jsno'/);
    usage(acceptTwoTokens!, /too many arguments: accept takes one link or token, got 2/);
  });

  it("exits 3 when no daemon answers, naming the URL it tried (flag, env, ROSTER_PORT)", async () => {
    const port = await closedPort();
    const byFlag = await run(["members", "list", "--url", `http://127.0.0.1:${port}`]);
    expect({ code: byFlag.code, stdout: byFlag.stdout }).toEqual({ code: 3, stdout: "" });
    expect(byFlag.stderr).toContain(`Cannot reach the Roster daemon at http://127.0.0.1:${port}`);

    const byEnv = await run(["orgs", "list", "--json"], {
      ROSTER_URL: `http://127.0.0.1:${port}/`,
    });
    expect(byEnv.code).toBe(3);
    expect(byEnv.stderr).toContain(`http://127.0.0.1:${port}`);

    // No config, no ROSTER_URL: the default URL on ROSTER_PORT.
    const byPort = await run(["invites", "list"], { ROSTER_PORT: String(port) });
    expect(byPort.code).toBe(3);
    expect(byPort.stderr).toContain(`http://127.0.0.1:${port}`);

    const setup = await run([
      "setup",
      "--org",
      "Acme",
      "--email",
      "a@example.com",
      "--url",
      `http://127.0.0.1:${port}`,
    ]);
    expect(setup.code).toBe(3);
    expect(setup.stderr).toContain(`http://127.0.0.1:${port}`);
    const accept = await run(["accept", `http://127.0.0.1:${port}/activate/${"x".repeat(43)}`]);
    expect(accept.code).toBe(3);
    expect(accept.stderr).toContain(`http://127.0.0.1:${port}`);
  });

  it("names the config file when it is corrupt (exit 2)", async () => {
    const broken = await tempDir("roster-cli-broken-");
    try {
      await mkdir(join(broken.path, "roster"));
      const file = join(broken.path, "roster", "config.json");
      await writeFile(file, '{"url": "http://127.0.0.1:1", "token": ');
      const r = await roster(["members", "list"], { configHome: broken.path });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      expect(r.stderr).toContain(`The config file ${file} is not valid JSON`);
      await writeFile(file, JSON.stringify({ url: "not a url" }));
      const r2 = await roster(["orgs", "list"], { configHome: broken.path });
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain(`The config file ${file} is invalid (url:`);
    } finally {
      await broken.remove();
    }
  });
});

describe("roster daemon", { timeout: 90_000 }, () => {
  it("serves the API on the flags' port and data directory, and stops cleanly on SIGTERM", async () => {
    const data = await tempDir("roster-cli-daemon-");
    let child: ChildProcess | undefined;
    try {
      await seedDataDir(data.path);
      const port = await closedPort();
      const proc = spawn(
        ...rosterCommand([
          "daemon",
          "--port",
          String(port),
          "--data-dir",
          data.path,
          "--resend-interval",
          "0",
        ]),
        {
          cwd: REPO,
          env: { ...process.env, XDG_CONFIG_HOME: home.path, ROSTER_PORT: "1" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child = proc;
      const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
      let out = "";
      proc.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      await new Promise<void>((resolveListening, reject) => {
        const timer = setTimeout(() => reject(new Error(`daemon did not listen:\n${out}`)), 60_000);
        proc.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          if (out.includes('"msg":"listening"')) {
            clearTimeout(timer);
            resolveListening();
          }
        });
        void exited.then((code) => reject(new Error(`daemon exited ${code}:\n${out}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
      expect(health.status).toBe("pass");
      const setup = await run([
        "setup",
        "--org",
        "Daemonic",
        "--email",
        "d@example.com",
        "--url",
        url,
      ]);
      expect(setup.code).toBe(0);
      proc.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await data.remove();
      await rm(join(home.path, "roster"), { recursive: true, force: true });
    }
  });
});

describe("with a daemon", { timeout: 90_000 }, () => {
  let daemon: TestDaemon;
  let other: TestDaemon;
  let configFile: string;
  let saved: { url: string; token: string; org: string };

  beforeAll(async () => {
    [daemon, other] = (await daemons!).map((started) => {
      if (started.status === "rejected") throw started.reason;
      return started.value;
    }) as [TestDaemon, TestDaemon];
    configFile = join(home.path, "roster", "config.json");
  });

  it("`pnpm roster setup` creates the first owner and writes the config file with mode 0600", async () => {
    const r = await roster(
      [
        "setup",
        "--org",
        "Acme",
        "--email",
        "Owner@Example.com",
        "--name",
        "Olga",
        "--url",
        daemon.url,
        "--json",
      ],
      { configHome: home.path, pnpm: true, timeoutMs: 60_000 },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      org: Org;
      user: { email: string };
      url: string;
      configPath: string;
    };
    expect(out).toMatchObject({
      org: { name: "Acme" },
      user: { email: "owner@example.com" },
      url: daemon.url,
    });
    expect(out.configPath).toBe(configFile);
    expect(out).not.toHaveProperty("token");

    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home.path, "roster"))).mode & 0o777).toBe(0o700);
    saved = JSON.parse(await readFile(configFile, "utf8")) as typeof saved;
    expect(saved).toEqual({
      url: daemon.url,
      token: expect.stringMatching(/^\S{20,}$/),
      org: out.org.id,
    });
    expect(r.stdout).not.toContain(saved.token);
    expect(r.stderr).not.toContain(saved.token);
  });

  it("refuses a second setup with the daemon's message (exit 1)", async () => {
    const r = await run(["setup", "--org", "Other", "--email", "x@example.com"]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
    expect(r.stderr).toBe(
      "Error: Roster is already set up on this daemon. To join an organization, ask one of its owners to invite you, then accept the invitation. (conflict: setup_done)\n",
    );
  });

  it("prints a human summary, and the token only with --show-token", async () => {
    // A second daemon, set up in text form.
    const otherHome = await tempDir("roster-cli-other-");
    try {
      const r = await roster(
        ["setup", "--org", "Zeta", "--email", "z@example.com", "--url", other.url, "--show-token"],
        {
          configHome: otherHome.path,
        },
      );
      expect(r.code).toBe(0);
      const cfg = JSON.parse(
        await readFile(join(otherHome.path, "roster", "config.json"), "utf8"),
      ) as {
        token: string;
      };
      expect(r.stdout).toContain(`Set up Roster at ${other.url}: organization "Zeta"`);
      expect(r.stdout).toContain(
        `Saved the URL, API token and default org to ${join(otherHome.path, "roster", "config.json")}.`,
      );
      expect(r.stdout).toContain(`Token: ${cfg.token}\n`);
    } finally {
      await otherHome.remove();
    }
  });

  it("uses the config file, and the environment wins over it, and flags over both", async () => {
    const members = json<Member[]>(await run(["members", "list", "--json"]));
    expect(members.map((m) => m.email)).toEqual(["owner@example.com"]);

    const port = await closedPort();
    // ROSTER_URL beats the file's (good) URL...
    const envUrl = await run(["members", "list"], { ROSTER_URL: `http://127.0.0.1:${port}` });
    expect(envUrl.code).toBe(3);
    expect(envUrl.stderr).toContain(`http://127.0.0.1:${port}`);
    // ...and --url beats ROSTER_URL.
    expect(
      (
        await run(["members", "list", "--json", "--url", daemon.url], {
          ROSTER_URL: `http://127.0.0.1:${port}`,
        })
      ).code,
    ).toBe(0);
    // ROSTER_TOKEN beats the file's token.
    const envToken = await run(["members", "list"], { ROSTER_TOKEN: "wrong-token-wrong-token" });
    expect(envToken.code).toBe(1);
    expect(envToken.stderr).toContain("(unauthorized: unauthorized)");
    // ROSTER_ORG beats the file's org; an empty variable counts as unset.
    const envOrg = await run(["members", "list"], { ROSTER_ORG: "no-such-org" });
    expect(envOrg.code).toBe(1);
    expect(envOrg.stderr).toContain("(not found: org_not_found)");
    expect((await run(["members", "list"], { ROSTER_ORG: "", ROSTER_URL: "" })).code).toBe(0);

    // With the file's URL pointing nowhere, ROSTER_URL + ROSTER_TOKEN alone are enough.
    await writeFile(
      configFile,
      JSON.stringify({ ...saved, url: `http://127.0.0.1:${port}`, token: "stale" }),
    );
    const viaEnv = await run(["orgs", "list", "--json"], {
      ROSTER_URL: daemon.url,
      ROSTER_TOKEN: saved.token,
    });
    expect(json<Org[]>(viaEnv).map((o) => o.id)).toEqual([saved.org]);
    await writeFile(configFile, JSON.stringify(saved), { mode: 0o600 });
  });

  it("asks for --org when the caller has several orgs and none is configured (exit 2)", async () => {
    expect((await run(["orgs", "create", "Second"])).code).toBe(0);
    await writeFile(configFile, JSON.stringify({ url: saved.url, token: saved.token }), {
      mode: 0o600,
    });
    try {
      const r = await run(["members", "list"]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      expect(r.stderr).toMatch(
        /You belong to 2 organizations: pick one with --org <id-or-name> \(.*Acme.*Second.*\)/,
      );
      expect(
        json<Member[]>(await run(["members", "list", "--json", "--org", "second"])),
      ).toHaveLength(1);
    } finally {
      await writeFile(configFile, JSON.stringify(saved), { mode: 0o600 });
    }
  });
});

function json<T>(r: RunResult): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
