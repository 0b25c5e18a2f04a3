/**
 * Fail fast when the port is taken: bind it once and let it go, before the
 * data directory is created and the database opened. (The real bind comes
 * later; a port taken in between still fails there, with the same error.)
 */
import { createServer } from "node:net";

/** Resolves when `host:port` can be bound; rejects with the bind error (EADDRINUSE, EACCES...). */
export function probePort(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port, host }, () => {
      server.close(() => resolve());
    });
  });
}
