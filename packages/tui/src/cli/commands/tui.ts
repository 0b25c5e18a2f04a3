/** `roster` without a command: the terminal UI (packages/tui/src/tui, loaded only now). */
import { configPath, dataDir } from "../../config.ts";
import { resolveConfig } from "../context.ts";

export interface TuiFlags {
  org?: string;
  url?: string;
}

export async function runTuiCommand(flags: TuiFlags): Promise<void> {
  const config = await resolveConfig(flags.url === undefined ? {} : { url: flags.url });
  const { runTui } = await import("../../tui/run-tui.tsx");
  await runTui({
    url: config.url,
    token: config.token,
    org: flags.org ?? config.org,
    dataDir: dataDir(),
    configPath: configPath(),
    sources: { url: config.sources.url },
  });
}
