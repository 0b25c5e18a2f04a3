/**
 * `roster accept <link-or-token>`: join an org from an invitation. It sends
 * the saved token of the daemon it talks to (R9: an email that already has
 * an account is accepted only by that account, signed in; it gets no new
 * token). A new email gets its first token, saved with the org.
 */
import { RosterApiError } from "@roster/core/client";
import type { AcceptRequest, AcceptResponse } from "@roster/core";
import { normalizeUrl, updateConfig } from "../../config.ts";
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
  // The saved token belongs to the configured daemon: never send it to another.
  const signedIn = normalizeUrl(url) === normalizeUrl(config.url) ? config.token : undefined;
  const body: AcceptRequest = {
    token: activation.token,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  };
  let res: AcceptResponse;
  try {
    res = await cliClient(url, signedIn).acceptInvite(body);
  } catch (e) {
    // A stale saved token (revoked, expired): a new email needs none, and an
    // existing account is then told to sign in (sign_in_required).
    const stale = e instanceof RosterApiError && e.status === 401 && e.reason === "unauthorized";
    if (!signedIn || !stale) throw e;
    res = await cliClient(url).acceptInvite(body);
  }
  const path = await updateConfig(
    res.token ? { url, token: res.token, org: res.org.id } : { url, org: res.org.id },
    { path: config.path },
  );
  if (opts.json) {
    printJson({
      org: res.org,
      user: res.user,
      url,
      configPath: path,
      newAccount: res.token !== undefined,
      ...(opts.showToken && res.token ? { token: res.token } : {}),
    });
    return;
  }
  if (!res.token) {
    print(
      `Joined "${res.org.name}" (${res.org.id}) as ${res.user.email}, with your existing account (no new token).\n` +
        `Saved "${res.org.name}" as the default org in ${path}.`,
    );
    return;
  }
  print(
    `Joined "${res.org.name}" (${res.org.id}) as ${res.user.email}.\n` +
      `Saved the URL, API token and default org to ${path}.` +
      (opts.showToken ? `\nToken: ${res.token}` : ""),
  );
}
