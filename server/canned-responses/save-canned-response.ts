import { z } from "zod";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { isUniqueViolation } from "../clients/prisma-errors";
import { placeholderProblem } from "./render-placeholders";

export const MAX_CANNED_TITLE = 120;
export const MAX_CANNED_BODY = 20_000;

export const saveCannedResponseInput = z.object({
  /** Absent: a new response. */
  id: z.string().min(1).max(100).optional(),
  title: z
    .string()
    .trim()
    .min(1, "Give it a title.")
    .max(MAX_CANNED_TITLE, `Use at most ${MAX_CANNED_TITLE} characters.`),
  body: z
    .string()
    .max(MAX_CANNED_BODY, `Use at most ${MAX_CANNED_BODY.toLocaleString("en")} characters.`)
    .refine((s) => s.trim().length > 0, "Write the response.")
    .superRefine((body, ctx) => {
      const problem = placeholderProblem(body);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});
export type SaveCannedResponseInput = z.input<typeof saveCannedResponseInput>;

/**
 * Creates or edits one of the tenant's canned responses (R-UX-3). The body is Markdown with placeholders; an
 * unknown placeholder is refused here (on `body`), so a response never inserts a `{{typo}}` into a reply. Titles
 * are unique per tenant (the picker is searched by title): a duplicate is a CONFLICT on `title`.
 */
export async function saveCannedResponse(db: Db, tenantId: string, input: SaveCannedResponseInput) {
  const { id, title, body } = saveCannedResponseInput.parse(input);
  const data = { title, body: body.replace(/\r\n?/g, "\n") };
  const select = { id: true, title: true, body: true, updatedAt: true } as const;
  try {
    if (!id) return await db.cannedResponse.create({ data: { tenantId, ...data }, select });
    const updated = await db.cannedResponse.updateMany({ where: { id, tenantId }, data });
    if (!updated.count) throw new AppError("NOT_FOUND", "That canned response no longer exists.");
    return await db.cannedResponse.findUniqueOrThrow({ where: { id }, select });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError("CONFLICT", "Another canned response already has this title.", { field: "title", cause: err });
    throw err;
  }
}
