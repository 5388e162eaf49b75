import { AlertTriangle, CheckCircle2, CircleDashed, XCircle } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "../ui/badge";
import { cn } from "../ui/cn";
import { formatDateTime } from "../ui/format-date";

export type RecordStatus = "verified" | "missing" | "wrong" | "unchecked";

const LABEL: Record<RecordStatus, string> = { verified: "Verified", missing: "Missing", wrong: "Wrong", unchecked: "Not checked" };
const TONE: Record<RecordStatus, "green" | "amber" | "red" | "slate"> = {
  verified: "green",
  missing: "amber",
  wrong: "red",
  unchecked: "slate",
};

/** One record's status as a badge: "SPF Verified", "DKIM Missing"… (the prefix is given for the list). */
export function RecordStatusBadge({ status, prefix }: { status: RecordStatus; prefix?: string }) {
  return (
    <Badge tone={TONE[status]} className="gap-1">
      {prefix ? <span className="font-semibold">{prefix}</span> : null}
      {LABEL[status]}
    </Badge>
  );
}

export function StatusIcon({ status, className }: { status: RecordStatus; className?: string }) {
  const cls = cn("size-4 shrink-0", className);
  if (status === "verified") return <CheckCircle2 className={cn(cls, "text-emerald-600")} aria-hidden />;
  if (status === "wrong") return <XCircle className={cn(cls, "text-red-600")} aria-hidden />;
  if (status === "missing") return <AlertTriangle className={cn(cls, "text-amber-600")} aria-hidden />;
  return <CircleDashed className={cn(cls, "text-slate-400")} aria-hidden />;
}

/** An amber notice for warnings that are not errors (SPF look-up count, merged record). */
export function Warning({ children }: { children: ReactNode }) {
  return (
    <div role="note" className="flex items-start gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
      <AlertTriangle className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden />
      <div className="min-w-0">{children}</div>
    </div>
  );
}

export function when(d: Date | string | null | undefined): string {
  return formatDateTime(d);
}
