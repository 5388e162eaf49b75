"use client";
import { X } from "lucide-react";
import { useState } from "react";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";

/** Sender-domain chips shown before "+N more" (B3: the rest used to be unreachable). */
const DOMAIN_CHIPS = 8;

/** R-UNA-1: the queue's sender domains as toggle chips; choosing one filters the queue to it, again clears it. */
export function DomainFilter({
  domains,
  domain,
  onChange,
}: {
  domains: { domain: string; count: number }[];
  domain: string;
  onChange: (domain: string) => void;
}) {
  const [showAll, setShowAll] = useState(false);
  if (domains.length === 0) return null;
  return (
    <div role="group" aria-label="Filter by sender domain" className="flex flex-wrap items-center gap-1.5">
      <span className="text-xs font-medium text-slate-500">By domain:</span>
      {domains
        .filter((d, i) => showAll || i < DOMAIN_CHIPS || d.domain === domain)
        .map((d) => {
          const active = domain === d.domain;
          return (
            <button
              key={d.domain}
              type="button"
              aria-pressed={active}
              onClick={() => onChange(active ? "" : d.domain)}
              className={cn(
                "inline-flex items-center gap-1 rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset",
                active ? "bg-indigo-600 text-white ring-indigo-600" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50",
              )}
            >
              {d.domain}
              <span className={cn("tabular-nums", active ? "text-indigo-100" : "text-slate-400")}>{d.count}</span>
            </button>
          );
        })}
      {domains.length > DOMAIN_CHIPS ? (
        <Button size="sm" variant="ghost" aria-expanded={showAll} onClick={() => setShowAll((s) => !s)}>
          {showAll ? "Fewer" : `+${domains.length - DOMAIN_CHIPS} more`}
        </Button>
      ) : null}
      {domain ? (
        <Button size="sm" variant="ghost" onClick={() => onChange("")}>
          <X className="size-3.5" aria-hidden />
          Clear filter
        </Button>
      ) : null}
    </div>
  );
}
