import { TRPCClientError } from "@trpc/client";

export type FormErrors = { fields: Record<string, string>; form: string | null };

/**
 * Splits a tRPC error into messages for fields (shown next to them; the server's formatter passes `field`
 * through) and one for the form. A field the form does not show falls back to the form message.
 */
export function formErrorsOf(error: unknown, shownFields: readonly string[]): FormErrors {
  if (!error) return { fields: {}, form: null };
  if (error instanceof TRPCClientError) {
    const data = error.data as { fieldErrors?: Record<string, string> | null } | undefined;
    const fields: Record<string, string> = {};
    let form: string | null = null;
    for (const [field, message] of Object.entries(data?.fieldErrors ?? {})) {
      if (shownFields.includes(field)) fields[field] = message;
      else form ??= message;
    }
    if (Object.keys(fields).length === 0 && !form) form = error.message;
    return { fields, form };
  }
  return { fields: {}, form: error instanceof Error ? error.message : "Something went wrong." };
}
