/**
 * `roster daemon --detach|status|logs|stop` end to end: a real background
 * daemon started by the CLI (the same launcher as the TUI's), its log; status
 * and stop ask the daemon itself over its lock socket (the admin channel), so
 * a pid in daemon.lock — left behind, or reused by another process — is never
 * trusted nor signalled; a clean stop waits until the lock is released; stop's
 * timeout against a lock holder that does not stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, roster } from "./cli-support.ts";
import { seedDataDir, tempDir } from "./support/daemon.ts";
import { rosterCommand } from "./support/roster-bin.ts";
import { freePort } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function writeLock(dataDir: string, pid: number, url = "http://127.0.0.1:9"): void {
  const lock = { pid, host: hostname(), startedAt: new Date().toISOString(), nonce: "test", url };
  writeFileSync(join(dataDir, "daemon.lock"), JSON.stringify(lock), { mode: 0o600 });
}

describe("a background daemon managed by roster daemon", () => {
  let home: string;
  let dataDir: string;
  let url: string;
  let pid: number;
  const run = (args: string[], timeoutMs = 60_000) => roster(args, { configHome: home, timeoutMs });

  beforeAll(async () => {
    home = tempDir("roster-daemon-control-");
    // XDG_DATA_HOME is <home>/data (cli-support): the default data directory.
    dataDir = join(home, "data", "roster");
    await seedDataDir(dataDir);
  });
  afterAll(() => {
    if (pid && alive(pid)) process.kill(pid, "SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("--detach starts one in the background on the default data directory and says where; a second --detach leaves it be", async () => {
    const port = await freePort();
    const r = await run(["daemon", "--detach", "--port", String(port)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = /Started the Roster daemon \(pid (\d+)\) at (http:\/\/127\.0\.0\.1:\d+)\./.exec(
      r.stdout,
    );
    expect(m).not.toBeNull();
    pid = Number(m![1]);
    url = m![2]!;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(r.stdout).toContain(`Log:  ${join(dataDir, "daemon.log")}`);
    // The command has returned; the daemon runs on.
    expect(alive(pid)).toBe(true);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const lock = JSON.parse(readFileSync(join(dataDir, "daemon.lock"), "utf8")) as { pid: number };
    expect(lock.pid).toBe(pid);

    const again = await run(["daemon", "--detach", "--port", String(await freePort())]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already running on ${dataDir}: pid ${pid} at ${url}`);
  });

  it("status shows pid, URL, data dir, uptime, storage and version (exit 0), and --json the same", async () => {
    const r = await run(["daemon", "status"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Roster daemon: running");
    for (const [k, v] of [
      ["pid", String(pid)],
      ["url", url],
      ["data dir", dataDir],
      ["storage", "pglite"],
      ["version", "0.1.0"],
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${k} +${v!.replace(/[.]/g, "\\.")}$`, "m"));
    expect(r.stdout).toMatch(/^ {2}uptime +\d+s$/m);

    const j = await run(["daemon", "status", "--json"]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      running: true,
      health: "pass",
      pid,
      url,
      dataDir,
      storage: "pglite",
      version: "0.1.0",
      uptimeSeconds: expect.any(Number) as number,
      logFile: join(dataDir, "daemon.log"),
    });
  });

  it("status goes by the lock socket, not by the pid in daemon.lock", async () => {
    const lockFile = join(dataDir, "daemon.lock");
    const real = readFileSync(lockFile, "utf8");
    // daemon.lock names another live process (as after a pid was reused).
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeLock(dataDir, other.pid!, "http://127.0.0.1:9");
      const j = await run(["daemon", "status", "--json"]);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.stdout)).toMatchObject({ running: true, health: "pass", pid, url });
      expect(alive(other.pid!)).toBe(true);
    } finally {
      writeFileSync(lockFile, real, { mode: 0o600 });
      other.kill("SIGKILL");
    }
  });

  it("logs prints the daemon's log, -n its last lines, and -f follows what is written next", async () => {
    const logFile = join(dataDir, "daemon.log");
    const all = await run(["daemon", "logs"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(readFileSync(logFile, "utf8"));
    expect(all.stdout).toContain('"msg":"listening"');

    const lines = readFileSync(logFile, "utf8").trimEnd().split("\n");
    const last2 = await run(["daemon", "logs", "-n", "2"]);
    expect(last2.stdout).toBe(`${lines.slice(-2).join("\n")}\n`);

    const child = spawn(
      ...rosterCommand(["daemon", "logs", "-f", "-n", "1", "--data-dir", dataDir]),
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      await waitUntil("the last line", () => Promise.resolve(out.includes(lines.at(-1)!)));
      appendFileSync(logFile, '{"msg":"written after -f started"}\n');
      await waitUntil("the new line", () =>
        Promise.resolve(out.includes('{"msg":"written after -f started"}\n')),
      );
      expect(out).toBe(`${lines.at(-1)}\n{"msg":"written after -f started"}\n`);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("stop shuts it down cleanly and returns once it is gone; status then says not running (exit 3)", async () => {
    const setup = await run([
      "setup",
      "--org",
      "Acme",
      "--email",
      "owner@example.com",
      "--url",
      url,
    ]);
    expect(setup.code).toBe(0);
    expect((await run(["invites", "add", "bob@example.com"])).code).toBe(0);

    const r = await run(["daemon", "stop"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Stopped the Roster daemon (pid ${pid}) at ${url}.\n`);
    // It returned once the lock was released: the database closed, the directory free.
    expect(existsSync(join(dataDir, "daemon.lock"))).toBe(false);
    const log = readFileSync(join(dataDir, "daemon.log"), "utf8");
    expect(log).toMatch(
      /"reason":"asked over the admin socket \(roster daemon stop\)".*"msg":"stopping"/,
    );
    expect(log).toMatch(/"msg":"stopped"/);
    expect(log).not.toMatch(/"signal":"SIGTERM"/);
    await waitUntil("the daemon process to exit", () => Promise.resolve(!alive(pid)));

    const st = await run(["daemon", "status"]);
    expect(st.code).toBe(3);
    expect(st.stdout).toContain("Roster daemon: not running");
    const again = await run(["daemon", "stop"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`No Roster daemon is running on ${dataDir}.\n`);

    // What it acknowledged is there after the restart.
    const restarted = await run(["daemon", "--detach", "--port", String(new URL(url).port)]);
    expect(restarted.code).toBe(0);
    pid = Number(/pid (\d+)/.exec(restarted.stdout)![1]);
    const list = await run(["invites", "list", "--json"]);
    expect(JSON.parse(list.stdout)).toMatchObject([{ email: "bob@example.com" }]);
    expect((await run(["daemon", "stop", "--json"])).stdout).toBe(
      `${JSON.stringify({ stopped: true, pid, dataDir }, null, 2)}\n`,
    );
  }, 120_000);
});

describe("roster daemon stop and status with a lock that is not a running daemon's", () => {
  let home: string;
  let dataDir: string;
  const children: ChildProcess[] = [];
  const run = (args: string[]) =>
    roster(["daemon", ...args, "--data-dir", dataDir], { configHome: home });
  const start = (command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: "ignore" });
    children.push(child);
    return child;
  };

  beforeAll(() => {
    home = tempDir("roster-daemon-stop-");
    dataDir = join(home, "elsewhere");
    mkdirSync(dataDir, { mode: 0o700 });
  });
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("a lock left by a process that is gone: status says so (exit 3) and stop has nothing to do", async () => {
    const gone = start(process.execPath, ["-e", "0"]);
    await new Promise((r) => gone.once("exit", r));
    writeLock(dataDir, gone.pid!);
    const st = await run(["status"]);
    expect(st.code).toBe(3);
    expect(st.stdout).toContain(
      `not running (pid ${gone.pid} left its lock without stopping cleanly`,
    );
    const stop = await run(["stop"]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toBe(`No Roster daemon is running on ${dataDir}.\n`);
  });

  it("a lock naming a live process that is no daemon (a reused pid): not running, and it is never signalled", async () => {
    // Even one that looks like a daemon by its command line.
    const reused = start(process.execPath, [
      "-e",
      "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)",
      "roster-daemon-look-alike",
    ]);
    await waitUntil("the look-alike", () => Promise.resolve(alive(reused.pid!)));
    writeLock(dataDir, reused.pid!);
    const st = await run(["status"]);
    expect(st.code).toBe(3);
    expect(st.stdout).toContain("Roster daemon: not running");
    const r = await run(["stop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`No Roster daemon is running on ${dataDir}.\n`);
    expect(alive(reused.pid!)).toBe(true);
    reused.kill("SIGKILL");
  });

  it("gives up after --timeout when the lock's holder does not stop, and says what to do", async () => {
    // A stand-in holder: listens on the lock socket, says it stops, never does.
    const script = `
      const http = require("node:http");
      const server = http.createServer((req, res) => {
        res.writeHead(req.method === "POST" && req.url === "/stop" ? 202 : 404, { "content-type": "application/json" });
        res.end(JSON.stringify({ stopping: true, pid: process.pid, url: "http://127.0.0.1:9" }));
      });
      server.listen(process.argv[1] + "/daemon.7.sock", () => console.log("listening"));
    `;
    const stubborn = spawn(process.execPath, ["-e", script, dataDir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(stubborn);
    await new Promise((r) => stubborn.stdout.once("data", r));
    const r = await run(["stop", "--timeout", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The daemon (pid ${stubborn.pid}) did not stop within 1 s`);
    expect(r.stderr).toContain(`kill -9 ${stubborn.pid}`);
    expect(alive(stubborn.pid!)).toBe(true);
    // Its status: it holds the lock, but it is not a daemon that answers GET /status.
    const st = await run(["status"]);
    expect(st.code).toBe(3);
    expect(st.stdout).toContain("Roster daemon: running, its lock socket answered 404");
  });
});
