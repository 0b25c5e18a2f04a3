/**
 * The default transport (SPEC §4): one RFC 5322 message per `.eml` file under
 * `<dataDir>/mail/`, and the activation link in the daemon's log so that a
 * local operator can hand it over. Logging the link is the one allowed
 * exception to "never log tokens" (SPEC §7).
 *
 * The message is built by nodemailer's stream transport, so the file is the
 * exact message an SMTP server would have received (MIME, encodings, headers).
 * Files are written atomically (temporary file, fsync, rename) and are 0600:
 * they hold a live activation link.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import writeFileAtomic from "write-file-atomic";
import {
  nodemailerMessage,
  type MailLogger,
  type MailTransport,
  type OutgoingMail,
  type SendResult,
} from "./mail-transport.ts";

export interface FileTransportOptions {
  /** Directory the `.eml` files go to, usually `<dataDir>/mail`. */
  dir: string;
  logger: MailLogger;
}

export function createFileTransport(opts: FileTransportOptions): MailTransport {
  const composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "windows",
  });
  let dirReady: Promise<void> | undefined;

  return {
    kind: "file",
    async send(mail: OutgoingMail): Promise<SendResult> {
      dirReady ??= mkdir(opts.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
      try {
        await dirReady;
      } catch (err) {
        dirReady = undefined;
        throw err;
      }
      const info = await composer.sendMail(nodemailerMessage(mail));
      const message = info.message;
      if (!Buffer.isBuffer(message))
        throw new Error("nodemailer did not return the message as a buffer");

      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
      const name = `${stamp}-${safe(mail.outboxID)}-${randomBytes(4).toString("hex")}.eml`;
      const file = join(opts.dir, name);
      await writeFileAtomic(file, message, { mode: 0o600 });

      opts.logger.info(
        { to: mail.to, inviteID: mail.inviteID, file, link: mail.link },
        `invitation email for ${mail.to} written to ${file}; activation link: ${mail.link}`,
      );
      return { messageId: String(info.messageId), destination: file };
    },
    async close() {
      composer.close();
    },
  };
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}
