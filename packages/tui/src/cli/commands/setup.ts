/** `roster setup`: the first owner and org, non-interactively; stores URL, token and org in the config file. */
import { parseEmail } from "@roster/core";
import { updateConfig } from "../../config.ts";
import { CliError, EXIT } from "../exit-codes.ts";
import { cliClient, resolveConfig } from "../context.ts";
import { print, printJson } from "../report.ts";

export interface SetupOptions {
  org: string;
  email: string;
  name?: string;
  url?: string;
  json?: boolean;
  showToken?: boolean;
}

export async function setup(opts: SetupOptions): Promise<void> {
  const parsed = parseEmail(opts.email);
  if (!parsed.ok)
    throw new CliError(parsed.error.message, EXIT.refused, parsed.error.code, parsed.error.reason);
  if (opts.org.trim() === "")
    throw new CliError("--org: the organization needs a name.", EXIT.usage);
  const config = await resolveConfig(opts.url === undefined ? {} : { url: opts.url });
  const client = cliClient(config.url);
  const body = {
    org: opts.org.trim(),
    email: parsed.value,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  };
  const res = await client.setup(body);
  const path = await updateConfig(
    { url: config.url, token: res.token, org: res.org.id },
    { path: config.path },
  );
  if (opts.json) {
    printJson({
      org: res.org,
      user: res.user,
      url: config.url,
      configPath: path,
      ...(opts.showToken ? { token: res.token } : {}),
    });
    return;
  }
  print(
    `Set up Roster at ${config.url}: organization "${res.org.name}" (${res.org.id}) with owner ${res.user.email}.\n` +
      `Saved the URL, API token and default org to ${path}.` +
      (opts.showToken ? `\nToken: ${res.token}` : ""),
  );
}
