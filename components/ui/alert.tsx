import type { ReactNode } from "react";
import { cn } from "./cn";

export function Alert({ children, tone = "error" }: { children: ReactNode; tone?: "error" | "info" | "success" }) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={cn(
        "rounded-md px-3 py-2 text-sm",
        tone === "error" && "bg-red-50 text-red-700 ring-1 ring-inset ring-red-200",
        tone === "info" && "bg-slate-50 text-slate-700 ring-1 ring-inset ring-slate-200",
        tone === "success" && "bg-emerald-50 text-emerald-800 ring-1 ring-inset ring-emerald-200",
      )}
    >
      {children}
    </div>
  );
}
