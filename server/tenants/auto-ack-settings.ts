/**
 * The tenant's auto-acknowledgement settings (R-IN-9: per tenant, on by default, editable template): whether it
 * is sent, its subject and body templates and how many a sender may receive per hour. The inbound pipeline
 * (server/inbound/ingest-inbound.ts) reads the same columns and renders with the same renderer.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import {
  AUTO_ACK_PLACEHOLDERS,
  DEFAULT_ACK_SUBJECT,
  DEFAULT_ACK_TEMPLATE,
  unknownPlaceholders,
} from "../mail/auto-ack-template";

export const AUTO_ACK_SUBJECT_MAX = 200;
export const AUTO_ACK_TEMPLATE_MAX = 5000;
export const AUTO_ACK_PER_SENDER_HOUR = { min: 1, max: 20 } as const;

export const updateAutoAckSettingsInput = z.object({
  enabled: z.boolean(),
  // A line break in a subject would start a new header field: refused before trimming, not silently removed.
  subject: z
    .string()
    .max(AUTO_ACK_SUBJECT_MAX, `Use at most ${AUTO_ACK_SUBJECT_MAX} characters.`)
    .refine((s) => !/[\r\n]/.test(s), "The subject must be a single line.")
    .transform((s) => s.trim())
    .pipe(z.string().min(1, "Enter a subject.")),
  template: z
    .string()
    .max(AUTO_ACK_TEMPLATE_MAX, `Use at most ${AUTO_ACK_TEMPLATE_MAX} characters.`)
    .transform((s) => s.replace(/\r\n?/g, "\n").trim())
    .pipe(z.string().min(1, "Enter the message.")),
  perSenderHour: z
    .number("Enter a number.")
    .int("Enter a whole number.")
    .min(
      AUTO_ACK_PER_SENDER_HOUR.min,
      `Use a number from ${AUTO_ACK_PER_SENDER_HOUR.min} to ${AUTO_ACK_PER_SENDER_HOUR.max}.`,
    )
    .max(
      AUTO_ACK_PER_SENDER_HOUR.max,
      `Use a number from ${AUTO_ACK_PER_SENDER_HOUR.min} to ${AUTO_ACK_PER_SENDER_HOUR.max}.`,
    ),
});
export type UpdateAutoAckSettingsInput = z.input<typeof updateAutoAckSettingsInput>;

export type AutoAckSettings = {
  enabled: boolean;
  /** The subject and body in effect: the tenant's own, or the defaults when it has not written any. */
  subject: string;
  template: string;
  perSenderHour: number;
  /** Whether subject/template are the built-in defaults (not saved by the tenant). */
  subjectIsDefault: boolean;
  templateIsDefault: boolean;
  /** The name `{{tenantName}}` stands for (the default From name, else the tenant's name). */
  tenantName: string;
};

const select = {
  name: true,
  defaultFromName: true,
  autoAckEnabled: true,
  autoAckSubject: true,
  autoAckTemplate: true,
  autoAckPerSenderHour: true,
} as const;

function toSettings(t: {
  name: string;
  defaultFromName: string | null;
  autoAckEnabled: boolean;
  autoAckSubject: string | null;
  autoAckTemplate: string | null;
  autoAckPerSenderHour: number;
}): AutoAckSettings {
  return {
    enabled: t.autoAckEnabled,
    subject: t.autoAckSubject || DEFAULT_ACK_SUBJECT,
    template: t.autoAckTemplate || DEFAULT_ACK_TEMPLATE,
    perSenderHour: t.autoAckPerSenderHour,
    subjectIsDefault: !t.autoAckSubject,
    templateIsDefault: !t.autoAckTemplate,
    tenantName: t.defaultFromName ?? t.name,
  };
}

/** The tenant's auto-acknowledgement settings, with the defaults filled in. NOT_FOUND for an unknown tenant. */
export async function getAutoAckSettings(db: Db, tenantId: string): Promise<AutoAckSettings> {
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select });
  if (!tenant) throw new AppError("NOT_FOUND", "No such tenant.");
  return toSettings(tenant);
}

/**
 * Saves the tenant's auto-acknowledgement settings. Invalid input, including a `{{placeholder}}` the pipeline
 * does not fill (it would reach requesters as written), is BAD_INPUT on the offending field. A subject or body
 * equal to the default is stored as "use the default", so it follows future wording changes.
 */
export async function updateAutoAckSettings(
  db: Db,
  tenantId: string,
  input: UpdateAutoAckSettingsInput,
): Promise<AutoAckSettings> {
  const parsed = updateAutoAckSettingsInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || undefined;
    throw new AppError("BAD_INPUT", issue?.message ?? "Invalid input.", {
      ...(field ? { field } : {}),
      cause: parsed.error,
    });
  }
  const data = parsed.data;
  for (const field of ["subject", "template"] as const) {
    const unknown = unknownPlaceholders(data[field]);
    if (unknown.length > 0) {
      const known = Object.keys(AUTO_ACK_PLACEHOLDERS)
        .map((p) => `{{${p}}}`)
        .join(", ");
      const names = unknown.map((p) => `{{${p}}}`).join(", ");
      throw new AppError("BAD_INPUT", `Unknown placeholder ${names}. You can use ${known}.`, { field });
    }
  }
  const updated = await db.tenant.updateMany({
    where: { id: tenantId },
    data: {
      autoAckEnabled: data.enabled,
      autoAckSubject: data.subject === DEFAULT_ACK_SUBJECT ? null : data.subject,
      autoAckTemplate: data.template === DEFAULT_ACK_TEMPLATE ? null : data.template,
      autoAckPerSenderHour: data.perSenderHour,
    },
  });
  if (updated.count === 0) throw new AppError("NOT_FOUND", "No such tenant.");
  return getAutoAckSettings(db, tenantId);
}
