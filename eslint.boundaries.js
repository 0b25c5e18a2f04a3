// The architecture's boundaries (ARCHITECTURE.md), as lint rules. Each file
// group gets the union of the imports it may not make; the groups do not
// overlap, because flat config replaces (does not merge) a rule's options.
//
//   core (all)        ↛ @roster/daemon, @roster/tui
//   core, pure part   ↛ core's client/ (HTTP, WebSocket, the engine), node:* and Node's
//                       built-ins, ws; no clock (Date.now, new Date(), timers), no process
//   daemon            ↛ @roster/tui, @roster/core/client; inside it, one way down:
//                       http/ → live/, service/ → storage/ (mail/ → service/):
//                       storage/ ↛ the rest; service/ ↛ http/, live/, mail/;
//                       live/ ↛ http/, service/, mail/; mail/ ↛ http/, live/, storage/
//   tui               ↛ @roster/daemon — except the `roster daemon` command entry
//                       (packages/tui/src/cli/commands/daemon*.ts), which starts it,
//                       src/daemon-lock.ts, which reads its lock with @roster/daemon/lock, and
//                       cli/commands/backup.ts (`roster backup|restore`, @roster/daemon/backup),
//                       and scripts/build.ts (the daemon's data-directory template, @roster/daemon/template)
//   tui's pure steps  (tui/*.ts: keymap, modal-keys, app-phase, forms…) ↛ components/
//   everywhere        no relative import into another package (use its exports)
//
// test/lint-boundaries.test.ts plants a violation of each rule and checks it fires.
import { builtinModules } from "node:module";
import { createNodeResolver, importX } from "eslint-plugin-import-x";

const CORE_PURE = ["packages/core/src/**/*.{ts,tsx}", "packages/core/testing/**/*.{ts,tsx}"];
const CORE_CLIENT = ["packages/core/src/client/**/*.{ts,tsx}"];
const DAEMON = ["packages/daemon/**/*.{ts,tsx}"];
const TUI = ["packages/tui/**/*.{ts,tsx}"];
/** The daemon's folders whose imports are bounded within it, and what each may not import. */
const DAEMON_LAYERS = {
  storage: {
    no: "service|http|live|mail",
    why: "storage/ is the bottom (the database and every query): it imports none of the daemon's other folders.",
  },
  service: {
    no: "http|live|mail",
    why: "service/ (the commands) is below http/, live/ and mail/: they call it, not the other way round.",
  },
  live: {
    no: "http|service|mail",
    why: "live/ exposes its hub and knows no HTTP: http/routes/live.ts mounts it.",
  },
  mail: {
    no: "http|live|storage",
    why: "mail/ schedules and sends; it reaches the outbox through service/outbox-queue.ts, never by SQL.",
  },
};
const DAEMON_LAYER_FILES = Object.keys(DAEMON_LAYERS).map((d) => `packages/daemon/src/${d}/**`);
const TESTS = ["**/*.test.{ts,tsx}"];
const TUI_DAEMON_COMMAND = [
  "packages/tui/src/cli/commands/daemon*.ts",
  // The daemon's lock file is its contract with `roster daemon status|stop` and the
  // launcher: read (and its holder checked) with the daemon's own `@roster/daemon/lock`.
  "packages/tui/src/daemon-lock.ts",
  // `roster backup|restore` run the daemon's storage code (@roster/daemon/backup): a restore
  // opens the database itself, with the data directory's lock held.
  "packages/tui/src/cli/commands/backup.ts",
  // The build bundles the daemon and puts its data-directory template beside it
  // (@roster/daemon/template makes the template when the daemon's one is not current).
  "packages/tui/scripts/build.ts",
];
const TUI_STEPS = ["packages/tui/src/tui/*.ts"];

const NOT_DAEMON = {
  group: ["@roster/daemon", "@roster/daemon/*"],
  message: "Only the daemon imports the daemon: talk to it over HTTP (core's client).",
};
const NOT_TUI = {
  group: ["@roster/tui", "@roster/tui/*"],
  message: "The terminal UI is a shell of its own: nothing imports it.",
};
const NOT_CLIENT = {
  group: ["@roster/core/client", "@roster/core/client/*"],
  message:
    "core's client does I/O (HTTP, WebSocket): the daemon and core's pure part do not use it.",
};
const PURE = "core's pure part (rules, schemas, reducer, views) does no I/O";
const PURE_PATTERNS = [
  NOT_CLIENT,
  { group: ["./client/*", "../client/*", "../../client/*"], message: `${PURE}: not client/.` },
  { regex: "^node:", message: `${PURE}: no Node built-ins.` },
];
const PURE_PATHS = [
  { name: "ws", message: `${PURE}: no sockets.` },
  ...builtinModules.map((name) => ({ name, message: `${PURE}: no Node built-ins.` })),
];
const DYNAMIC_DAEMON = {
  selector: "ImportExpression[source.value=/^@roster\\u002Fdaemon/]",
  message: NOT_DAEMON.message,
};

const TUI_NOT_DAEMON = {
  ...NOT_DAEMON,
  message:
    "The TUI starts a daemon process (tui/daemon-launcher.ts), never imports it; only the `roster daemon` command (cli/commands/daemon*.ts) runs it.",
};
const NOT_COMPONENTS = {
  group: ["./components/*", "../components/*"],
  message: "Pure steps sit below the components: components import them, not the other way round.",
};

const restrict = (patterns, paths = []) => ["error", { patterns, paths }];

export const boundaries = [
  // Everywhere: a relative import stays inside its own package.
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createNodeResolver()] },
    rules: { "import-x/no-relative-packages": "error" },
  },
  {
    files: CORE_PURE,
    ignores: CORE_CLIENT,
    rules: {
      "no-restricted-imports": restrict([NOT_DAEMON, NOT_TUI, ...PURE_PATTERNS], PURE_PATHS),
      "no-restricted-globals": [
        "error",
        ...["process", "setTimeout", "setInterval", "setImmediate", "fetch", "performance"].map(
          (name) => ({ name, message: `${PURE}: \`${name}\` is the shell's (pass values in).` }),
        ),
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: `${PURE}: no clock (\`now\` is a parameter).`,
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `${PURE}: no clock (\`now\` is a parameter).`,
        },
        {
          selector: "ImportExpression",
          message: `${PURE}: no dynamic imports.`,
        },
      ],
    },
  },
  {
    files: CORE_CLIENT,
    rules: { "no-restricted-imports": restrict([NOT_DAEMON, NOT_TUI]) },
  },
  {
    files: DAEMON,
    ignores: DAEMON_LAYER_FILES,
    rules: { "no-restricted-imports": restrict([NOT_TUI, NOT_CLIENT]) },
  },
  {
    // The layers' own tests set up what they need (a database, a service).
    files: DAEMON_LAYER_FILES.map((d) => `${d}/*.test.{ts,tsx}`),
    rules: { "no-restricted-imports": restrict([NOT_TUI, NOT_CLIENT]) },
  },
  ...Object.entries(DAEMON_LAYERS).map(([dir, { no, why }]) => ({
    files: [`packages/daemon/src/${dir}/**/*.{ts,tsx}`],
    ignores: TESTS,
    rules: {
      "no-restricted-imports": restrict([
        NOT_TUI,
        NOT_CLIENT,
        { regex: `^(\\.\\./)+(${no})/`, message: why },
      ]),
    },
  })),
  {
    files: TUI,
    ignores: [...TUI_DAEMON_COMMAND, ...TUI_STEPS],
    rules: {
      "no-restricted-imports": restrict([TUI_NOT_DAEMON]),
      "no-restricted-syntax": ["error", DYNAMIC_DAEMON],
    },
  },
  {
    files: TUI_STEPS,
    rules: {
      "no-restricted-imports": restrict([TUI_NOT_DAEMON, NOT_COMPONENTS]),
      "no-restricted-syntax": ["error", DYNAMIC_DAEMON],
    },
  },
];
