/**
 * The architecture's boundaries hold by themselves: `pnpm lint` (the repo's
 * own eslint.config.js) reports a planted violation of each rule, in a file
 * of each group, and passes the same imports where they are allowed.
 */
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

let eslint: ESLint;

beforeAll(() => {
  // The planted files are not on disk, so TypeScript's project service cannot type them:
  // type-aware rules are off here. The boundary rules read imports, not types.
  eslint = new ESLint({
    cwd: REPO_ROOT,
    overrideConfig: [{ files: ["**/*.{ts,tsx}"], ...tseslint.configs.disableTypeChecked }],
  });
});

const BOUNDARY_RULES = new Set([
  "no-restricted-imports",
  "no-restricted-globals",
  "no-restricted-syntax",
  "import-x/no-relative-packages",
]);

/** The boundary rules' messages for `code` as if it were the file at `path`. */
async function boundaryMessages(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${path}` });
  const messages = result?.messages ?? [];
  // A parse error would pass every "clean" case: there must be none.
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages
    .filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId))
    .map((m) => ({ rule: m.ruleId, message: m.message }));
}

async function expectViolation(path: string, code: string, rule: string, says: string) {
  const found = await boundaryMessages(path, code);
  expect(found).toContainEqual({ rule, message: expect.stringContaining(says) });
}

async function expectClean(path: string, code: string) {
  expect(await boundaryMessages(path, code)).toEqual([]);
}

const PURE = "packages/core/src/sync/planted.ts";

describe("core's pure part does no I/O", () => {
  it.each([
    ["core's client/ by path", `export { RosterClient } from "../client/http-client.ts";\n`],
    ["core's client/ by name", `export { RosterClient } from "@roster/core/client";\n`],
  ])("refuses %s", async (_, code) => {
    await expectViolation(PURE, code, "no-restricted-imports", "client");
  });

  it.each([
    ["node:fs/promises", `export { readFile } from "node:fs/promises";\n`],
    ["crypto (a Node built-in without node:)", `export { randomUUID } from "crypto";\n`],
  ])("refuses %s", async (_, code) => {
    await expectViolation(PURE, code, "no-restricted-imports", "no Node built-ins");
  });

  it("refuses ws", async () => {
    await expectViolation(
      PURE,
      `export { WebSocket } from "ws";\n`,
      "no-restricted-imports",
      "no sockets",
    );
  });

  it.each([
    ["Date.now()", "export const at = (): number => Date.now();\n"],
    ["new Date()", "export const at = (): Date => new Date();\n"],
  ])("refuses the clock: %s", async (_, code) => {
    await expectViolation(PURE, code, "no-restricted-syntax", "no clock");
  });

  it("refuses timers and process", async () => {
    const code = "export const later = (f: () => void): unknown => setTimeout(f, 1);\n";
    await expectViolation(PURE, code, "no-restricted-globals", "`setTimeout` is the shell's");
    const env = "export const env = (): unknown => process.env;\n";
    await expectViolation(PURE, env, "no-restricted-globals", "`process` is the shell's");
  });

  it("holds in core's testing/ too", async () => {
    await expectViolation(
      "packages/core/testing/planted.ts",
      `export { readFile } from "node:fs/promises";\n`,
      "no-restricted-imports",
      "no Node built-ins",
    );
  });

  it("passes pure code: rules, schemas, a date from a parameter", async () => {
    await expectClean(
      PURE,
      `export { decideInvite } from "../rules.ts";\nexport const iso = (now: number): string => new Date(now).toISOString();\n`,
    );
  });
});

describe("core imports neither the daemon nor the TUI", () => {
  it.each([PURE, "packages/core/src/client/planted.ts"])("in %s", async (path) => {
    await expectViolation(
      path,
      `export { startDaemon } from "@roster/daemon";\n`,
      "no-restricted-imports",
      "Only the daemon imports the daemon",
    );
    await expectViolation(
      path,
      `export * from "@roster/tui";\n`,
      "no-restricted-imports",
      "nothing imports it",
    );
  });

  it("core's client may do I/O", async () => {
    await expectClean(
      "packages/core/src/client/planted.ts",
      `export { randomUUID } from "node:crypto";\nexport { WebSocket } from "ws";\nexport const at = (): number => Date.now();\n`,
    );
  });
});

describe("the daemon imports neither the TUI nor core's client", () => {
  const path = "packages/daemon/src/planted.ts";
  it("refuses them", async () => {
    await expectViolation(
      path,
      `export { RosterClient } from "@roster/core/client";\n`,
      "no-restricted-imports",
      "core's client does I/O",
    );
    await expectViolation(
      path,
      `export * from "@roster/tui";\n`,
      "no-restricted-imports",
      "nothing imports it",
    );
  });

  it("uses core's pure part", async () => {
    await expectClean(path, `export { decideInvite } from "@roster/core";\n`);
  });
});

describe("the TUI starts the daemon, never imports it", () => {
  it.each([
    "packages/tui/src/tui/services.ts",
    "packages/tui/src/tui/daemon-launcher.ts",
    "packages/tui/src/tui/components/planted.tsx",
    "packages/tui/src/cli/program.ts",
  ])("in %s", async (path) => {
    await expectViolation(
      path,
      `export { startDaemon } from "@roster/daemon";\n`,
      "no-restricted-imports",
      "never imports it",
    );
    await expectViolation(
      path,
      `export const load = async (): Promise<unknown> => import("@roster/daemon");\n`,
      "no-restricted-syntax",
      "Only the daemon imports the daemon",
    );
  });

  it("except the `roster daemon` command, which runs it", async () => {
    await expectClean(
      "packages/tui/src/cli/commands/daemon.ts",
      `export const load = async (): Promise<unknown> => import("@roster/daemon");\n`,
    );
  });
});

describe("the TUI's pure steps sit below its components", () => {
  it("refuses a component in tui/*.ts", async () => {
    await expectViolation(
      "packages/tui/src/tui/modal-keys.ts",
      `export { HelpScreen } from "./components/help-screen.tsx";\n`,
      "no-restricted-imports",
      "Pure steps sit below the components",
    );
  });

  it("lets components import the steps", async () => {
    await expectClean(
      "packages/tui/src/tui/components/planted.tsx",
      `export { modalKeyStep } from "../modal-keys.ts";\nexport { HelpScreen } from "./help-screen.tsx";\n`,
    );
  });
});

describe("no relative import into another package", () => {
  it.each([
    [
      "the TUI into core",
      "packages/tui/src/tui/planted.ts",
      `export { ModelServer } from "../../../core/testing/model-server.ts";\n`,
    ],
    [
      "core into the daemon",
      "packages/core/src/planted.ts",
      `export * from "../../daemon/src/config.ts";\n`,
    ],
    [
      "a package into test/",
      "packages/tui/src/planted.test.ts",
      `export { tempDir } from "../../../test/support/daemon.ts";\n`,
    ],
    [
      "test/ into a package",
      "test/planted.test.ts",
      `export { parseDaemonArgs } from "../packages/daemon/src/config.ts";\n`,
    ],
    [
      "bench/ into a package",
      "bench/planted.ts",
      `export { tuiBench } from "../packages/tui/src/tui/testing/render-bench.ts";\n`,
    ],
  ])("refuses %s", async (_, path, code) => {
    await expectViolation(
      path,
      code,
      "import-x/no-relative-packages",
      "Relative import from another package is not allowed",
    );
  });

  it("passes relative imports within a package, and other packages by name", async () => {
    await expectClean(
      "packages/core/testing/planted.ts",
      `export { decideInvite } from "../src/rules.ts";\n`,
    );
    await expectClean(
      "test/planted.test.ts",
      `export { tempDir } from "./support/daemon.ts";\nexport { parseDaemonArgs } from "@roster/daemon";\n`,
    );
  });
});
