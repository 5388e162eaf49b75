/**
 * What the MTA bridge answers, without Haraka types: the plugin maps `action` to Haraka's OK / DENY / DENYSOFT
 * and `code` + `status` to a DSN reply ("451 4.3.0 …"). This is the SMTP edge of AppError (server/errors.ts):
 * anything the gateway cannot finish for its own reasons is a 4xx so the sender retries; 5xx is reserved for
 * answers that are true of the request itself (unknown recipient, too large).
 */
export type SmtpAction = "ok" | "deny" | "denysoft";

export type SmtpReply = {
  action: SmtpAction;
  /** Basic reply code: 250, 451, 452, 550, 552 … */
  code: number;
  /** Enhanced status code (RFC 3463) without the class digit's separator: "4.3.0". */
  status: string;
  message: string;
};

export const accepted = (message = "OK"): SmtpReply => ({ action: "ok", code: 250, status: "2.0.0", message });

export const unknownRecipient = (): SmtpReply => ({
  action: "deny",
  code: 550,
  status: "5.1.1",
  message: "No such recipient here",
});

export const tooManyRecipients = (max: number): SmtpReply => ({
  action: "denysoft",
  code: 452,
  status: "4.5.3",
  message: `Too many recipients (at most ${max} per message)`,
});

export const tooManyConnections = (max: number): SmtpReply => ({
  action: "denysoft",
  code: 421,
  status: "4.7.0",
  message: `Too many connections from your address (at most ${max}); try again later`,
});

/** Database or any other fault of ours: the sender keeps the message and retries (R-IN-10). */
export const temporaryFailure = (message = "Temporary local problem, please try again later"): SmtpReply => ({
  action: "denysoft",
  code: 451,
  status: "4.3.0",
  message,
});

/** Recipient enumeration (server/mta/recipient-limits.ts): the session has had too many unknown recipients. */
export const tooManyUnknownRecipients = (): SmtpReply => ({
  action: "denysoft",
  code: 421,
  status: "4.7.0",
  message: "Too many unknown recipients in this session; closing connection",
});

/** Recipient enumeration: this IP has had too many unknown recipients lately. */
export const unknownRecipientsFromIp = (): SmtpReply => ({
  action: "denysoft",
  code: 450,
  status: "4.7.1",
  message: "Too many unknown recipients from your address; try again later",
});

/** More large messages in progress than LARGE_MESSAGE_SLOTS (452 at MAIL FROM, 451 at the end of DATA). */
export const tooManyLargeMessages = (code: 451 | 452): SmtpReply => ({
  action: "denysoft",
  code,
  status: "4.3.1",
  message: "Too many large messages in progress; try again later",
});
