/**
 * What the outbox worker hands to a transport, and the transports' common
 * shape. A transport either resolves (the message was handed over: written to
 * disk, or accepted by the SMTP server) or rejects with an Error whose message
 * is shown to operators as the delivery's lastError.
 */
import type { SendMailOptions } from "nodemailer";

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** The same for every attempt at this send (see inviteMessageId). */
  messageId: string;
  /** The activation link, for transports that show it to the local operator. */
  link: string;
  /** For logs and file names only. */
  outboxID: string;
  inviteID: string;
}

/** The message both transports hand to nodemailer (so an `.eml` file is what SMTP would have sent). */
export function nodemailerMessage(mail: OutgoingMail): SendMailOptions {
  return {
    from: mail.from,
    to: mail.to,
    messageId: mail.messageId,
    ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
  };
}

export interface SendResult {
  messageId: string;
  /** Where the message went: a file path or `smtp://host:port`. */
  destination: string;
}

export interface MailTransport {
  readonly kind: "file" | "smtp";
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
}

/** The few pino methods the mail code uses (pino's Logger satisfies it). */
export interface MailLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: MailLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
