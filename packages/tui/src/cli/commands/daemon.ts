/** `roster daemon`: hands the flags to the daemon's own CLI entry (loaded only now). */
const FLAGS: Record<string, string> = {
  port: "--port",
  host: "--host",
  dataDir: "--data-dir",
  databaseUrl: "--database-url",
  databaseUrlFile: "--database-url-file",
  publicUrl: "--public-url",
  smtpUrl: "--smtp-url",
  smtpUrlFile: "--smtp-url-file",
  resendInterval: "--resend-interval",
  allowedHosts: "--allowed-hosts",
  changeRetention: "--change-retention",
  retentionDays: "--retention-days",
  orgsPerUserPerDay: "--orgs-per-user-per-day",
  emailsPerOrgPerHour: "--emails-per-org-per-hour",
  emailsPerAddressPerDay: "--emails-per-address-per-day",
  logLevel: "--log-level",
};

/** The daemon's own flags for commander's options, except those named in `omit`. */
export function daemonArgs(opts: Record<string, unknown>, omit: readonly string[] = []): string[] {
  const argv: string[] = [];
  for (const [key, flag] of Object.entries(FLAGS)) {
    const value = opts[key];
    if (typeof value === "string" && !omit.includes(key)) argv.push(flag, value);
  }
  if (opts.showInviteLinks === true && !omit.includes("showInviteLinks"))
    argv.push("--show-invite-links");
  return argv;
}

/** Runs until SIGINT/SIGTERM; returns the daemon's exit code (0 clean stop, 1 could not start, 2 usage). */
export async function runDaemonCommand(opts: Record<string, unknown>): Promise<number> {
  const { runDaemonCli } = await import("@roster/daemon");
  return runDaemonCli(daemonArgs(opts));
}
