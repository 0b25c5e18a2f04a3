/**
 * A real SMTP server for tests (the `smtp-server` package) on a loopback port,
 * collecting every accepted message, parsed with mailparser. It can be stopped
 * and started again on the same port to play "the mail server is down".
 * (Owner: mail engineer.)
 */
import { createServer } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
  /** The activation link found in the text part, if any. */
  link: string | undefined;
  /** The token at the end of the link, if any. */
  token: string | undefined;
}

export interface SmtpSinkOptions {
  /** Port to listen on; default a free one. */
  port?: number;
  /** Implicit TLS (smtps://) with smtp-server's built-in self-signed certificate. */
  secure?: boolean;
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
  /** Called for each message before it is accepted; throw to refuse it with a 4xx/5xx. */
  onMessage?: (raw: Buffer) => void;
  /** Answer each message this many milliseconds late (a slow server). */
  answerDelayMs?: number;
}

export interface SmtpSink {
  readonly port: number;
  readonly host: string;
  /** smtp://127.0.0.1:port (or smtps://... with credentials and ?tls.rejectUnauthorized=false). */
  readonly url: string;
  readonly messages: ReceivedMail[];
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  waitForMessages(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
}

export const LINK_RE = /https?:\/\/[^\s"<>]+\/activate\/([A-Za-z0-9_%-]+)/;

/** A TCP port that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function createSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const port = opts.port ?? (await freePort());
  const host = "127.0.0.1";
  const messages: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const waiters = new Set<() => void>();

  const serverOptions = (): SMTPServerOptions => ({
    secure: opts.secure ?? false,
    // Plain smtp:// tests must not be upgraded to TLS with the self-signed certificate.
    disabledCommands: opts.secure || opts.auth ? [] : ["STARTTLS"],
    hideSTARTTLS: !opts.secure,
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        try {
          opts.onMessage?.(raw);
        } catch (err) {
          callback(err as Error);
          return;
        }
        const parsing = simpleParser(raw);
        const delay = new Promise((r) => setTimeout(r, opts.answerDelayMs ?? 0));
        void Promise.all([parsing, delay]).then(
          ([parsed]) => {
            const m = LINK_RE.exec(parsed.text ?? "");
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              link: m?.[0],
              token: m?.[1] === undefined ? undefined : decodeURIComponent(m[1]),
            });
            callback();
            for (const w of waiters) w();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });

  const sink: SmtpSink = {
    port,
    host,
    url: opts.secure
      ? `smtps://${opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : ""}${host}:${port}/?tls.rejectUnauthorized=false`
      : `smtp://${opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : ""}${host}:${port}`,
    messages,
    get running() {
      return server !== undefined;
    },
    async start() {
      if (server) return;
      const s = new SMTPServer(serverOptions());
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, host, () => {
          s.off("error", reject);
          resolve();
        });
      });
      s.on("error", () => {});
      server = s;
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async waitForMessages(n, timeoutMs = 15_000) {
      if (messages.length >= n) return messages.slice();
      return await new Promise<ReceivedMail[]>((resolve, reject) => {
        const check = () => {
          if (messages.length >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(messages.slice());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`expected ${n} message(s) within ${timeoutMs} ms, got ${messages.length}`),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
  return sink;
}

export interface BlackHoleSmtp {
  readonly port: number;
  /** Resolves with the whole message once received (and left unanswered). */
  readonly received: Promise<Buffer>;
  /** Stop listening (again: no-op). */
  close(): Promise<void>;
}

/**
 * An SMTP server that takes the whole message and then never answers, so the
 * sender is stuck waiting for "250 OK" (on `port`, default a free one).
 */
export async function startBlackHoleSmtp(port = 0): Promise<BlackHoleSmtp> {
  let messageReceived!: (raw: Buffer) => void;
  const received = new Promise<Buffer>((resolve) => (messageReceived = resolve));
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    hideSTARTTLS: true,
    authOptional: true,
    logger: false,
    onData(stream) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => messageReceived(Buffer.concat(chunks)));
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  let open = true;
  return {
    port: (server.server.address() as { port: number }).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        if (!open) return resolve();
        open = false;
        server.close(() => resolve());
      }),
  };
}
