import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  configPath,
  dataDir,
  defaultUrl,
  loadConfig,
  readConfigFile,
  saveConfig,
  updateConfig,
} from "./config.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "roster-config-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("paths", () => {
  it("puts the config under XDG_CONFIG_HOME, else ~/.config", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/x/cfg" })).toBe("/x/cfg/roster/config.json");
    expect(configPath({})).toBe(join(homedir(), ".config", "roster", "config.json"));
    expect(configPath({ XDG_CONFIG_HOME: "" })).toBe(
      join(homedir(), ".config", "roster", "config.json"),
    );
  });

  it("puts data under ROSTER_DATA_DIR, else XDG_DATA_HOME, else ~/.local/share", () => {
    expect(dataDir({ ROSTER_DATA_DIR: "/d", XDG_DATA_HOME: "/x" })).toBe("/d");
    expect(dataDir({ XDG_DATA_HOME: "/x" })).toBe("/x/roster");
    expect(dataDir({})).toBe(join(homedir(), ".local", "share", "roster"));
  });

  it("derives the default URL from ROSTER_PORT", () => {
    expect(defaultUrl({})).toBe("http://127.0.0.1:8086");
    expect(defaultUrl({ ROSTER_PORT: "9999" })).toBe("http://127.0.0.1:9999");
    expect(defaultUrl({ ROSTER_PORT: "nope" })).toBe("http://127.0.0.1:8086");
  });
});

describe("loadConfig / saveConfig", () => {
  it("gives defaults without a file", async () => {
    const env = { XDG_CONFIG_HOME: join(root, "none") };
    const c = await loadConfig({ env });
    expect(c).toMatchObject({ url: "http://127.0.0.1:8086", token: undefined, org: undefined });
    expect(c.sources.url).toBe("default");
    expect(c.path).toBe(join(root, "none", "roster", "config.json"));
  });

  it("writes the file atomically with mode 0600 in a 0700 directory", async () => {
    const env = { XDG_CONFIG_HOME: join(root, "save") };
    const path = await saveConfig(
      { url: "http://127.0.0.1:9000", token: "t0k", org: "o1" },
      { env },
    );
    expect(path).toBe(configPath(env));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, "save", "roster"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(root, "save", "roster"))).toEqual(["config.json"]);
    const c = await loadConfig({ env });
    expect(c).toMatchObject({ url: "http://127.0.0.1:9000", token: "t0k", org: "o1" });
    expect(c.sources).toEqual({ url: "file", token: "file", org: "file" });
  });

  it("lets the environment win over the file, ignoring empty variables", async () => {
    const env = {
      XDG_CONFIG_HOME: join(root, "save"),
      ROSTER_URL: "http://10.0.0.1:1234/",
      ROSTER_TOKEN: "envtok",
      ROSTER_ORG: "",
      ROSTER_PORT: "7777",
    };
    const c = await loadConfig({ env });
    expect(c).toMatchObject({ url: "http://10.0.0.1:1234", token: "envtok", org: "o1" });
    expect(c.sources).toEqual({ url: "env", token: "env", org: "file" });
  });

  it("updateConfig changes some keys, deletes undefined ones and keeps unknown ones", async () => {
    const env = { XDG_CONFIG_HOME: join(root, "update") };
    const path = configPath(env);
    await mkdir(join(root, "update", "roster"), { recursive: true });
    await writeFile(path, JSON.stringify({ url: "http://a:1", token: "x", org: "o", future: 1 }));
    await updateConfig({ token: "y", org: undefined }, { env });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      url: "http://a:1",
      token: "y",
      future: 1,
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("names the file when it is not JSON", async () => {
    const path = join(root, "bad", "config.json");
    await mkdir(join(root, "bad"), { recursive: true });
    await writeFile(path, "{ url: nope");
    const err = await readConfigFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(path);
    expect((err as ConfigError).message).toContain("not valid JSON");
  });

  it("names the file and the field when a value is invalid", async () => {
    const path = join(root, "bad", "config2.json");
    await writeFile(path, JSON.stringify({ url: "ftp://x", token: 5 }));
    const err = await loadConfig({ path, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(path);
    expect((err as ConfigError).message).toMatch(/url/);
    expect((err as ConfigError).message).toMatch(/token/);
  });
});
