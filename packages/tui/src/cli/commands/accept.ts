/** `roster accept <link-or-token>`: join an org from an invitation; stores the new token and org. */
import { updateConfig } from "../../config.ts";
import { parseActivation } from "../activation-link.ts";
import { cliClient, resolveConfig } from "../context.ts";
import { print, printJson } from "../report.ts";

export interface AcceptOptions {
  name?: string;
  url?: string;
  json?: boolean;
  showToken?: boolean;
}

export async function accept(linkOrToken: string, opts: AcceptOptions): Promise<void> {
  const activation = parseActivation(linkOrToken);
  const config = await resolveConfig(opts.url === undefined ? {} : { url: opts.url });
  // A configured URL (flag, env, file) wins; else the daemon that sent the link.
  const url =
    config.sources.url === "default" && activation.baseUrl ? activation.baseUrl : config.url;
  const client = cliClient(url);
  const res = await client.acceptInvite({
    token: activation.token,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  });
  const path = await updateConfig(
    { url, token: res.token, org: res.org.id },
    { path: config.path },
  );
  if (opts.json) {
    printJson({
      org: res.org,
      user: res.user,
      url,
      configPath: path,
      ...(opts.showToken ? { token: res.token } : {}),
    });
    return;
  }
  print(
    `Joined "${res.org.name}" (${res.org.id}) as ${res.user.email}.\n` +
      `Saved the URL, API token and default org to ${path}.` +
      (opts.showToken ? `\nToken: ${res.token}` : ""),
  );
}
