import { Search } from "lucide-react";
import type { InputHTMLAttributes } from "react";
import { cn } from "./cn";

type SearchFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "value" | "onChange" | "className"> & {
  /** The accessible name ("Search the blocklist"): the field has no visible label, the icon says what it is. */
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  /** Classes of the wrapper: its width and margins on the page. */
  className?: string;
};

/** The search box of the list screens: a magnifier inside a search input, the same on every screen. */
export function SearchField({ label, value, onValueChange, className, ...input }: SearchFieldProps) {
  return (
    <div className={cn("relative", className)}>
      <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400" aria-hidden />
      <input
        {...input}
        type="search"
        aria-label={label}
        value={value}
        onChange={(e) => onValueChange(e.target.value)}
        className="block w-full rounded-md border-0 py-2 pr-3 pl-9 text-sm shadow-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none"
      />
    </div>
  );
}
