// Where sign-in emails go: always into the outbox (GET /outbox), and also to an SMTP server (a local
// catcher such as Mailpit) when SMTP_URL is set. SMTP delivery runs after the page has answered; a
// failure is logged (without the message) and never stops a sign-in, since the outbox has the message.
// nodemailer is loaded only when SMTP_URL is set: the outbox alone needs nothing of it, and a start
// should not pay for it.
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { OutboxInput, OutboxMessage, OutboxRepository } from '../store/outbox.js';

export interface Mailer {
  send(message: OutboxInput): Promise<OutboxMessage>;
  /** Resolves once every SMTP delivery started so far has ended (shutdown, tests). */
  settled(): Promise<void>;
}

export interface MailerOptions {
  outbox: OutboxRepository;
  smtpUrl?: string;
  /** The environment URL, whose host name is the sender's domain. */
  environmentUrl: () => string;
  log: Logger;
}

export function createMailer(options: MailerOptions): Mailer {
  const { smtpUrl } = options;
  let transport: Promise<Transporter> | undefined;
  const smtp = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl)));
  const smtpHost = options.smtpUrl ? new URL(options.smtpUrl).host : '';
  const inFlight = new Set<Promise<unknown>>();

  const deliver = (message: OutboxMessage) => {
    const from = `"Scalekit emulator" <no-reply@${URL.parse(options.environmentUrl())?.hostname || 'localhost'}>`;
    const sending = smtp()
      .then((t) => t.sendMail({ from, to: message.to, subject: message.subject, text: message.body, messageId: `<${message.id}@scalekit-emulator>` }))
      .catch((err: { code?: string; name?: string }) => {
        options.log.warn({ smtp: smtpHost, outbox_id: message.id, error: err.code ?? err.name ?? 'error' }, 'could not send an email over SMTP; it is in the outbox');
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  return {
    async send(input) {
      const message = await options.outbox.add(input);
      if (smtpUrl) deliver(message);
      return message;
    },
    async settled() {
      await Promise.all([...inFlight]);
    },
  };
}
