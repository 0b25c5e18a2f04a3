/**
 * A request header's value, as `c.req.header(name)` gives it (every value of
 * a repeated header, joined with ", "), read straight from Node's
 * IncomingMessage when the request came through @hono/node-server: building
 * the web `Headers` that `c.req.header` reads (a copy of every header, each
 * validated) costs more than the rest of a cached list read (SPEC §8).
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming?.headersDistinct) return c.req.header(name);
  return incoming.headersDistinct[name.toLowerCase()]?.join(", ");
}
