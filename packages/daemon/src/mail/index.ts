export { startMail, type RunningMail, type StartMailOptions } from "./start-mail.ts";
export { resolveMailSettings, type MailOptionsInput, type MailSettings } from "./mail-options.ts";
export { OutboxWorker } from "./outbox-worker.ts";
export { renderInviteEmail, activationLink } from "./render-invite-email.ts";
