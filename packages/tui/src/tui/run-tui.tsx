/**
 * `roster` with no command: the full-screen TUI. Refuses politely when stdin
 * is not a terminal, honours NO_COLOR, draws in the terminal's alternate
 * screen (the shell is left as it was on quit) and turns a start-up failure
 * into the CLI's exit codes.
 */
import { CliError, EXIT, type ExitCode } from "../cli/exit-codes.ts";
import { dataDir as defaultDataDir, loadConfig, updateConfig, type Source } from "../config.ts";
import { applyNoColor, colorDisabled } from "./theme.ts";

export interface RunTuiOptions {
  url?: string;
  token?: string | undefined;
  /** Org to open: id or name. */
  org?: string | undefined;
  dataDir?: string;
  configPath?: string;
  sources?: { url?: Source };
}

const ALT_SCREEN_ON = "\u001b[?1049h\u001b[H";
const ALT_SCREEN_OFF = "\u001b[?1049l";

export const NOT_A_TTY_MESSAGE =
  "The Roster terminal UI needs an interactive terminal, and stdin is not one.\n" +
  "For scripts, use the subcommands instead (see `roster --help`), e.g. `roster invites list --json`.";

/** Run the TUI until the user quits. Throws CliError (with the exit code) when it cannot run. */
export async function runTui(options: RunTuiOptions = {}): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CliError(NOT_A_TTY_MESSAGE, EXIT.usage);
  }
  // Before Ink (and its chalk) is loaded: chalk decides on colours at import time.
  applyNoColor();
  const loaded = options.url === undefined ? await loadConfig() : undefined;
  const url = options.url ?? loaded!.url;
  const token = options.token ?? loaded?.token;
  const org = options.org ?? loaded?.org;
  const urlSource = options.sources?.url ?? loaded?.sources.url ?? "default";
  const dataDir = options.dataDir ?? defaultDataDir();

  // React is CommonJS: its exports object is the default export (the bundle has no named ones).
  const [
    { render },
    { default: React },
    { App },
    { ThemeContext, makeTheme },
    launcher,
    { createServices },
  ] = await Promise.all([
    import("ink"),
    import("react"),
    import("./components/app.tsx"),
    import("./theme.ts"),
    import("./daemon-launcher.ts"),
    import("./services.ts"),
  ]);
  const services = createServices({
    url,
    token,
    org,
    dataDir,
    canStartDaemon:
      (urlSource === "default" || urlSource === "file") && launcher.isLoopbackUrl(url),
    saveConfig: async (patch) => {
      await updateConfig(patch, options.configPath ? { path: options.configPath } : {});
    },
  });

  let result: { code: number; message?: string } = { code: 0 };
  const stdout = process.stdout;
  stdout.write(ALT_SCREEN_ON);
  const restore = () => stdout.write(ALT_SCREEN_OFF);
  process.once("exit", restore);
  try {
    const instance = render(
      React.createElement(
        ThemeContext.Provider,
        { value: makeTheme(colorDisabled()) },
        React.createElement(App, {
          services,
          onDone: (r: { code: number; message?: string }) => {
            result = r;
          },
        }),
      ),
      { exitOnCtrlC: false, patchConsole: true },
    );
    await instance.waitUntilExit();
  } finally {
    process.off("exit", restore);
    restore();
  }
  if (result.code !== 0) {
    throw new CliError(result.message ?? "The terminal UI stopped.", result.code as ExitCode);
  }
  if (result.message) process.stdout.write(`${result.message}\n`);
}
