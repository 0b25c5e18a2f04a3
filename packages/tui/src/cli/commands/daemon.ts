/** `roster daemon`: hands the flags to the daemon's own CLI entry (loaded only now). */
const FLAGS: Record<string, string> = {
  port: "--port",
  host: "--host",
  dataDir: "--data-dir",
  databaseUrl: "--database-url",
  publicUrl: "--public-url",
  smtpUrl: "--smtp-url",
  resendInterval: "--resend-interval",
  allowedHosts: "--allowed-hosts",
  changeRetention: "--change-retention",
  logLevel: "--log-level",
};

/** Runs until SIGINT/SIGTERM; returns the daemon's exit code (0 clean stop, 1 could not start, 2 usage). */
export async function runDaemonCommand(opts: Record<string, unknown>): Promise<number> {
  const argv: string[] = [];
  for (const [key, flag] of Object.entries(FLAGS)) {
    const value = opts[key];
    if (typeof value === "string") argv.push(flag, value);
  }
  const { runDaemonCli } = await import("@roster/daemon");
  return runDaemonCli(argv);
}
