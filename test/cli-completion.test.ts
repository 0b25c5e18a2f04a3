/**
 * `roster completion bash|zsh|fish`: each script is valid for its shell, and
 * completes subcommands, aliases, flags and flag values when run by the real
 * shell (bash through its completion function and compgen, fish through
 * `complete -C`, zsh through the functions the script shares with bash);
 * org names come from a real daemon. zsh and fish are tested where installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roster } from "./cli-support.ts";
import { startTestDaemon, tempDir, type TestDaemon } from "./support/daemon.ts";
import { rosterCommand } from "./support/roster-bin.ts";

const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

let home: string;
let bin: string;
let daemon: TestDaemon;
const scripts: Record<string, string> = {};

function shell(command: string, args: string[]): string {
  return execFileSync(command, args, {
    encoding: "utf8",
    env: {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
    },
    timeout: 30_000,
  });
}

/** What bash's completion function offers for the words typed (the last one being completed). */
function bashComplete(...words: string[]): string[] {
  const out = shell("bash", [
    "-c",
    `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _roster_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
    "bash",
    scripts.bash!,
    ...words,
  ]);
  return out.split("\n").filter((l) => l !== "");
}

beforeAll(async () => {
  home = tempDir("roster-completion-");
  bin = join(home, "bin");
  mkdirSync(bin);
  // `roster` on PATH, as installed: the scripts call it back for org names.
  const [command, args] = rosterCommand();
  writeFileSync(
    join(bin, "roster"),
    `#!/bin/sh\nexec ${[command, ...args].map((a) => `"${a}"`).join(" ")} "$@"\n`,
  );
  chmodSync(join(bin, "roster"), 0o755);
  daemon = await startTestDaemon();
  const owner = await daemon.setupOrg({ org: "Acme Corp", email: "owner@example.com" });
  await daemon.setupOrg({ org: "Beta" });
  mkdirSync(join(home, "config", "roster"), { recursive: true });
  writeFileSync(
    join(home, "config", "roster", "config.json"),
    JSON.stringify({ url: daemon.url, token: owner.token }),
    { mode: 0o600 },
  );
  for (const sh of ["bash", "zsh", "fish"]) {
    const r = await roster(["completion", sh], { configHome: join(home, "config") });
    expect(r.code).toBe(0);
    scripts[sh] = join(home, `roster.${sh}`);
    writeFileSync(scripts[sh], r.stdout);
  }
});
afterAll(async () => {
  await daemon?.cleanup();
  rmSync(home, { recursive: true, force: true });
});

describe("roster completion bash", () => {
  it("is valid bash", () => {
    expect(spawnSync("bash", ["-n", scripts.bash!]).status).toBe(0);
  });

  it("completes subcommands at every level, aliases included, and their flags", () => {
    expect(bashComplete("roster", "mem")).toEqual(["members"]);
    expect(bashComplete("roster", "")).toEqual(
      expect.arrayContaining(["daemon", "setup", "members", "invites", "orgs", "completion"]),
    );
    expect(bashComplete("roster", "invites", "")).toEqual(["list", "add", "resend", "withdraw"]);
    expect(bashComplete("roster", "daemon", "st")).toEqual(["status", "stop"]);
    // An alias leads to its command; options before a subcommand are skipped with their values.
    expect(bashComplete("roster", "--org", "x", "invites", "ls", "--st")).toEqual(["--status"]);
    expect(bashComplete("roster", "daemon", "logs", "--f")).toEqual(["--follow"]);
    expect(bashComplete("roster", "completion", "")).toEqual(["bash", "zsh", "fish"]);
  });

  it("completes flag values: choices, directories and org names from the daemon", () => {
    expect(bashComplete("roster", "invites", "list", "--status", "p")).toEqual(["pending"]);
    expect(bashComplete("roster", "daemon", "--log-level", "")).toEqual([
      "fatal",
      "error",
      "warn",
      "info",
      "debug",
      "trace",
      "silent",
    ]);
    mkdirSync(join(home, "data-dir-here"), { recursive: true });
    expect(bashComplete("roster", "daemon", "status", "--data-dir", `${home}/data-dir-h`)).toEqual([
      `${home}/data-dir-here`,
    ]);
    expect(bashComplete("roster", "members", "list", "--org", "")).toEqual(["Acme\\ Corp", "Beta"]);
    expect(bashComplete("roster", "members", "list", "--org", "B")).toEqual(["Beta"]);
  });
});

describe.skipIf(!has("zsh"))("roster completion zsh", () => {
  it("is valid zsh, and its walk and word lists work in zsh", () => {
    expect(spawnSync("zsh", ["-n", scripts.zsh!]).status).toBe(0);
    const out = shell("zsh", [
      "-c",
      `compdef() { :; }; source "$1"; _roster_path --org x invites ls; echo; _roster_subs "daemon"`,
      "zsh",
      scripts.zsh!,
    ]);
    const [path, ...subs] = out.split("\n");
    expect(path).toBe("invites list");
    expect(subs.filter((l) => l !== "").map((l) => l.split("\t")[0])).toEqual([
      "status",
      "stop",
      "logs",
    ]);
  });
});

describe.skipIf(!has("fish"))("roster completion fish", () => {
  const fishComplete = (line: string) =>
    shell("fish", ["-c", `source $argv[1]; complete -C $argv[2]`, scripts.fish!, line])
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.split("\t")[0]);

  it("is valid fish, and completes subcommands, flags, choices and org names", () => {
    expect(spawnSync("fish", ["-n", scripts.fish!]).status).toBe(0);
    expect(fishComplete("roster inv")).toEqual(["invites"]);
    expect(fishComplete("roster invites ls --status p")).toEqual(["pending"]);
    expect(fishComplete("roster daemon logs --fo")).toEqual(["--follow"]);
    expect(fishComplete("roster members list --org ")).toEqual(["Acme Corp", "Beta"]);
  });
});
