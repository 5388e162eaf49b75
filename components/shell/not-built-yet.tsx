import { Construction } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "../ui/badge";
import { PageHeader } from "../ui/page-header";

/**
 * A page whose feature has not been built yet. It says so, and what the page will do, rather than showing
 * controls that do nothing.
 */
export function NotBuiltYet({
  title,
  summary,
  plans,
  children,
}: {
  title: string;
  summary: string;
  plans: string[];
  children?: ReactNode;
}) {
  return (
    <>
      <PageHeader title={title} description={summary} actions={<Badge tone="amber">Not built yet</Badge>} />
      {children}
      <NotBuiltYetNote lead="This page does not work yet. When it does, it will:" plans={plans} />
    </>
  );
}

/** The plain statement of what is still to come, for a page that is built in part (and, whole, for one that is not). */
export function NotBuiltYetNote({ lead, plans, badge }: { lead: string; plans: string[]; badge?: ReactNode }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8">
      <div className="flex items-start gap-4">
        <Construction className="mt-0.5 size-5 shrink-0 text-amber-500" aria-hidden />
        <div>
          {badge ? <div className="mb-2">{badge}</div> : null}
          <p className="text-sm font-medium text-slate-900">{lead}</p>
          <ul className="mt-3 list-disc space-y-1.5 pl-5 text-sm text-slate-600">
            {plans.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
