/**
 * DNS-rebinding protection: the daemon only answers requests whose `Host`
 * header names it. A web page on evil.example can make a browser resolve
 * evil.example to 127.0.0.1 and talk to a loopback daemon, but the browser
 * still sends `Host: evil.example` — which is refused here, `403 forbidden`,
 * before any route (the live WebSocket upgrade included) runs.
 *
 * Always allowed (the port is never compared):
 * - `localhost` and names under `.localhost` (browsers resolve them to loopback);
 * - any IP address literal (`127.0.0.1`, `[::1]`, a LAN address): rebinding
 *   needs a DNS name, and a browser that sends an address as Host connected
 *   to that address;
 * - the host the daemon is bound to (`--host`), and the host of the public
 *   URL (`--public-url` / ROSTER_PUBLIC_URL);
 * - the names in `--allowed-hosts` / ROSTER_ALLOWED_HOSTS (comma-separated;
 *   `.example.com` (or `*.example.com`) allows example.com and every name
 *   under it; `*` allows any).
 *
 * Bound to every interface (0.0.0.0 or ::) with neither a public URL nor an
 * allowed-hosts list, any Host is accepted: such a daemon is meant to be
 * reached under names it cannot know.
 */
import { isIP } from "node:net";
import type { DomainError } from "@roster/core";
import type { MiddlewareHandler } from "hono";
import { RequestError } from "../api-error.ts";
import type { Env } from "../app-env.ts";
import { requestHeader } from "../request-header.ts";

export interface HostPolicyInput {
  /** The interface the daemon listens on. */
  bindHost: string;
  /** The public URL the operator configured (not the default one). */
  publicUrl?: string | undefined;
  /** Extra names (ROSTER_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[] | undefined;
}

export interface HostPolicy {
  /** Accept any Host. */
  readonly any: boolean;
  /** Exact names (lower case, no trailing dot). */
  readonly names: ReadonlySet<string>;
  /** Domains whose every subdomain (and themselves) is allowed. */
  readonly domains: readonly string[];
}

const WILDCARD_BINDS = new Set(["", "0.0.0.0", "::", "[::]", "::0"]);
/** Characters a Host header (reg-name / IP literal, optional port) may hold. */
const HOST_HEADER = /^[A-Za-z0-9._~%!$&'()*+,;=:[\]-]{1,255}$/;

/**
 * The host name of a `Host` header value (`name`, `name:port`, `[v6]:port`),
 * lower-cased, without a trailing dot; IPv6 in brackets. Undefined when it
 * is not a valid host.
 */
export function hostnameOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!HOST_HEADER.test(v)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${v}/`);
  } catch {
    return undefined;
  }
  if (url.username || url.password || url.pathname !== "/") return undefined;
  const name = url.hostname.replace(/\.$/, "");
  return name === "" ? undefined : name;
}

function isIpLiteral(name: string): boolean {
  return name.startsWith("[") || isIP(name) !== 0;
}

/** Parse a ROSTER_ALLOWED_HOSTS value: names separated by commas (or spaces). */
export function parseAllowedHosts(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  return raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function hostPolicy(input: HostPolicyInput): HostPolicy {
  const names = new Set<string>(["localhost"]);
  const domains: string[] = ["localhost"];
  let any = false;
  const bind = input.bindHost.trim();
  const bound = hostnameOf(bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind);
  if (bound && !WILDCARD_BINDS.has(bind)) names.add(bound);
  if (input.publicUrl) {
    try {
      names.add(new URL(input.publicUrl).hostname.replace(/\.$/, "").toLowerCase());
    } catch {
      // Validated by the command line; an unparseable one adds nothing.
    }
  }
  for (const entry of input.allowedHosts ?? []) {
    if (entry === "*") {
      any = true;
      continue;
    }
    const wildcard = /^\*?\./.test(entry);
    const name = hostnameOf(entry.replace(/^\*?\./, ""));
    if (!name) continue;
    if (wildcard) domains.push(name);
    else names.add(name);
  }
  if (WILDCARD_BINDS.has(bind) && !input.publicUrl && !input.allowedHosts?.length) any = true;
  return { any, names, domains };
}

export function isHostAllowed(policy: HostPolicy, hostHeader: string | undefined): boolean {
  if (policy.any) return true;
  const name = hostnameOf(hostHeader);
  if (!name) return false;
  if (isIpLiteral(name) || policy.names.has(name)) return true;
  return policy.domains.some((d) => name === d || name.endsWith(`.${d}`));
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function hostNotAllowed(policy: HostPolicy, hostHeader: string | undefined): DomainError {
  const known = [...policy.names].filter((n) => n !== "localhost" && !isIpLiteral(n));
  known.push(...policy.domains.filter((d) => d !== "localhost").map((d) => `*.${d}`));
  const answers = ["localhost", "IP addresses", ...known].join(", ");
  const what =
    hostHeader === undefined ? "A request without a Host header" : `Host "${clip(hostHeader)}"`;
  return {
    code: "forbidden",
    message:
      `${what} is not allowed: this daemon answers to ${answers} (protection against DNS rebinding). ` +
      "To reach it under another name, add the name to ROSTER_ALLOWED_HOSTS (--allowed-hosts) or set ROSTER_PUBLIC_URL.",
  };
}

/** The middleware: refuse any request (upgrades included) whose Host is not allowed. */
export function hostAllowlist(policy: HostPolicy): MiddlewareHandler<Env> {
  return async (c, next) => {
    const host = requestHeader(c, "host");
    if (!isHostAllowed(policy, host)) {
      c.get("log")?.warn({ host: clip(host ?? "") }, "refused a request for another host");
      throw new RequestError(hostNotAllowed(policy, host));
    }
    await next();
  };
}
