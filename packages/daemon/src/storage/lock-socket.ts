/**
 * Unix-domain sockets in a directory, as the data-directory lock uses them:
 * listening on one, asking whether one has a live listener, and one HTTP GET
 * over one. Socket addresses are limited to about 104 bytes; a longer path is
 * reached on Linux through /proc/self/fd/<directory fd>/<name>.
 */
import { closeSync, openSync } from "node:fs";
import { request, type Server } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";

/** The longest socket path every platform accepts (macOS: 104 bytes with the NUL). */
const MAX_SOCKET_PATH = 103;

/** Run `fn` with an address for `<dir>/<name>` short enough to bind or connect to. */
export async function withSocketAddress<T>(
  dir: string,
  name: string,
  fn: (address: string) => Promise<T>,
): Promise<T> {
  const plain = join(dir, name);
  if (Buffer.byteLength(plain) <= MAX_SOCKET_PATH) return fn(plain);
  if (process.platform !== "linux") {
    throw new Error(
      `the data directory path ${dir} is too long for its lock socket (${Buffer.byteLength(plain)} bytes, at most ${MAX_SOCKET_PATH}): use a shorter --data-dir`,
    );
  }
  const fd = openSync(dir, "r");
  try {
    return await fn(`/proc/self/fd/${fd}/${name}`);
  } finally {
    closeSync(fd);
  }
}

/** Listen on `<dir>/<name>` (which must not exist). */
export function listenOn(server: Server, dir: string, name: string): Promise<void> {
  return withSocketAddress(
    dir,
    name,
    (address) =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(address, () => {
          server.off("error", reject);
          resolve();
        });
      }),
  );
}

export type SocketState = "live" | "dead" | "unknown";

/**
 * Whether a process listens on `<dir>/<name>`: only a live process can accept
 * a connection, whatever its pid, host name or pid namespace. "unknown" when
 * the socket cannot be tried (another user's, say): treat as live.
 */
export function probeSocket(dir: string, name: string, timeoutMs = 2000): Promise<SocketState> {
  return withSocketAddress(
    dir,
    name,
    (address) =>
      new Promise<SocketState>((resolve) => {
        const socket = connect(address);
        const done = (state: SocketState) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(state);
        };
        // A listener that does not answer in time is still there: a full backlog, a stopped process.
        const timer = setTimeout(() => done("live"), timeoutMs);
        socket.once("connect", () => done("live"));
        socket.once("error", (e: NodeJS.ErrnoException) =>
          done(
            e.code === "ECONNREFUSED" || e.code === "ENOENT" || e.code === "ENOTSOCK"
              ? "dead"
              : e.code === "EAGAIN"
                ? "live"
                : "unknown",
          ),
        );
      }),
  );
}

export interface SocketResponse {
  status: number;
  body: NodeJS.ReadableStream;
}

/** An HTTP request over the socket `<dir>/<name>`; rejects when it does not answer in time. */
export function requestOverSocket(
  dir: string,
  name: string,
  path: string,
  timeoutMs: number,
  method: "GET" | "POST" = "GET",
): Promise<SocketResponse> {
  return withSocketAddress(
    dir,
    name,
    (socketPath) =>
      new Promise<SocketResponse>((resolve, reject) => {
        const req = request({ socketPath, path, method }, (res) => {
          req.setTimeout(0);
          resolve({ status: res.statusCode ?? 0, body: res });
        });
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.once("error", reject);
        req.end();
      }),
  );
}

/** The whole body of a response, as text. */
export async function readText(body: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  body.setEncoding("utf8");
  for await (const chunk of body) text += chunk as string;
  return text;
}
