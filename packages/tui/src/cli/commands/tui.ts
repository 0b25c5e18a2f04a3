/** `roster` without a command: the terminal UI (packages/tui/src/tui, loaded only now). */
import { configPath, dataDir } from "../../config.ts";
import { resolveConfig } from "../context.ts";

export interface TuiFlags {
  org?: string;
  url?: string;
}

export async function runTuiCommand(flags: TuiFlags): Promise<void> {
  const config = await resolveConfig(flags.url === undefined ? {} : { url: flags.url });
  const org = flags.org ?? config.org;
  // Keep the specifier out of TypeScript's sight until the TUI module exists.
  const specifier = "../../tui/run-tui.tsx";
  const mod = (await import(specifier)) as { runTui: (options: unknown) => Promise<void> };
  await mod.runTui({ ...config, org, configPath: configPath(), dataDir: dataDir() });
}
