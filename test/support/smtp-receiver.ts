/**
 * A receiving MTA for outbound tests: nodemailer's `smtp-server` on 127.0.0.1 (port chosen by the OS), offering
 * STARTTLS with the package's built-in test certificate. It stores every message it accepts with its envelope, and
 * its answers are programmable per recipient and per message (4xx, 5xx, a held reply), so a test can play a
 * greylisting server, a server that refuses a user, or one that stalls before answering the end of DATA.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

export type ReceivedMail = {
  envelopeFrom: string;
  recipients: string[];
  raw: Buffer;
  /** The session had been upgraded with STARTTLS. */
  secure: boolean;
  heloName: string;
  at: Date;
};

/** What the receiver answers: null accepts; otherwise the code and text of the refusal. */
export type Answer = { code: number; message: string } | null;

export type ReceiverRules = {
  /** Per RCPT TO; may hold the reply (a promise). */
  rcpt?: (address: string, session: SMTPServerSession) => Answer | Promise<Answer>;
  /** At the end of DATA; may hold the reply (a promise) to simulate a slow server. */
  data?: (mail: ReceivedMail) => Answer | Promise<Answer>;
};

export type SmtpReceiver = {
  port: number;
  /** "127.0.0.1:port", ready for OUTBOUND_RELAY. */
  address: string;
  /** Messages accepted (answered 250). */
  messages: ReceivedMail[];
  /** Every end of DATA seen, accepted or not. */
  attempts: ReceivedMail[];
  rules: ReceiverRules;
  /** Resolves with the first accepted message matching, waiting up to timeoutMs. */
  waitFor(match: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
};

/** The received message's own Message-ID, without angle brackets (headers unfolded). */
export function messageIdOf(mail: ReceivedMail): string | null {
  const head = mail.raw.toString("latin1").split("\r\n\r\n")[0]!.replace(/\r\n[ \t]+/g, " ");
  return /(?:^|\r\n)message-id:\s*<([^>\s]+)>/i.exec(head)?.[1] ?? null;
}

function smtpError(answer: NonNullable<Answer>): Error {
  return Object.assign(new Error(answer.message), { responseCode: answer.code });
}

/** `port`: a fixed port (the e2e receiving MTA); by default the OS picks a free one. */
export async function startSmtpReceiver(rules: ReceiverRules = {}, options: { port?: number } = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const attempts: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const state = { rules };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH"],
    logger: false,
    size: 30 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      void Promise.resolve(state.rules.rcpt?.(address.address, session) ?? null).then((answer) => callback(answer ? smtpError(answer) : null));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mail: ReceivedMail = {
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          recipients: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          heloName: session.hostNameAppearsAs,
          at: new Date(),
        };
        attempts.push(mail);
        void Promise.resolve(state.rules.data?.(mail) ?? null).then((answer) => {
          if (answer) return callback(smtpError(answer));
          messages.push(mail);
          for (const w of waiters) w();
          callback(null, "Ok: queued as test");
        });
      });
    },
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;

  return {
    port,
    address: `127.0.0.1:${port}`,
    messages,
    attempts,
    get rules() {
      return state.rules;
    },
    set rules(r: ReceiverRules) {
      state.rules = r;
    },
    waitFor(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
