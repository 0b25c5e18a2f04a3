/**
 * Wiring for startDaemon: build the transport from the settings and start the
 * outbox worker. Call it after the migrations ran and the server listens (the
 * default public URL is the daemon's own address); call `close()` before
 * closing the storage.
 */
import { join } from "node:path";
import { createFileTransport } from "./file-transport.ts";
import { resolveMailSettings, type MailOptionsInput, type MailSettings } from "./mail-options.ts";
import type { MailLogger, MailTransport } from "./mail-transport.ts";
import type { OutboxQueue } from "../service/outbox-queue.ts";
import { OutboxWorker, type OutboxFeed } from "./outbox-worker.ts";
import { createSmtpTransport, redactSmtpUrl } from "./smtp-transport.ts";

export interface StartMailOptions extends MailOptionsInput {
  queue: OutboxQueue;
  feed?: OutboxFeed | undefined;
  dataDir: string;
  /** The daemon's own URL (default public URL). */
  daemonUrl: string;
  logger: MailLogger;
  env?: NodeJS.ProcessEnv;
}

export interface RunningMail {
  settings: MailSettings;
  transport: MailTransport;
  worker: OutboxWorker;
  close(): Promise<void>;
}

export function startMail(opts: StartMailOptions): RunningMail {
  const settings = resolveMailSettings(opts, opts.daemonUrl, opts.env);
  const transport = settings.smtpUrl
    ? createSmtpTransport({ url: settings.smtpUrl })
    : createFileTransport({ dir: join(opts.dataDir, "mail"), logger: opts.logger });
  const worker = new OutboxWorker({
    queue: opts.queue,
    feed: opts.feed,
    transport,
    settings,
    logger: opts.logger,
  });
  worker.start();
  opts.logger.info(
    {
      transport: transport.kind,
      destination: settings.smtpUrl ? redactSmtpUrl(settings.smtpUrl) : join(opts.dataDir, "mail"),
      publicUrl: settings.publicUrl,
    },
    settings.smtpUrl
      ? `mail: sending through ${redactSmtpUrl(settings.smtpUrl)}`
      : `mail: writing messages to ${join(opts.dataDir, "mail")} (set ROSTER_SMTP_URL to send them)`,
  );
  return { settings, transport, worker, close: () => worker.close() };
}
