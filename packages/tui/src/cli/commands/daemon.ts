/** `roster daemon`: hands the flags to the daemon's own CLI entry (loaded only now). */
export async function runDaemonCommand(opts: Record<string, unknown>): Promise<void> {
  const argv: string[] = [];
  const flags: Record<string, string> = {
    port: "--port",
    host: "--host",
    dataDir: "--data-dir",
    databaseUrl: "--database-url",
    publicUrl: "--public-url",
    smtpUrl: "--smtp-url",
    resendInterval: "--resend-interval",
  };
  for (const [key, flag] of Object.entries(flags)) {
    const value = opts[key];
    if (typeof value === "string") argv.push(flag, value);
  }
  const specifier = "../../../../daemon/src/main.ts";
  const mod = (await import(specifier)) as { runDaemonCli: (argv: string[]) => Promise<void> };
  await mod.runDaemonCli(argv);
}
