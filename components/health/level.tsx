import { AlertTriangle, CheckCircle2, Info, XCircle } from "lucide-react";
import type { HealthLevel } from "@/server/gateway-health/health-summary";
import { Badge } from "../ui/badge";

export const levelWords: Record<HealthLevel, string> = { ok: "OK", info: "Not set up", warn: "Warning", problem: "Problem" };
const tones = { ok: "green", info: "slate", warn: "amber", problem: "red" } as const;

export function LevelBadge({ level }: { level: HealthLevel }) {
  return <Badge tone={tones[level]}>{levelWords[level]}</Badge>;
}

export function LevelIcon({ level, className = "size-5" }: { level: HealthLevel; className?: string }) {
  if (level === "ok") return <CheckCircle2 className={`${className} text-emerald-600`} aria-hidden />;
  if (level === "warn") return <AlertTriangle className={`${className} text-amber-600`} aria-hidden />;
  if (level === "problem") return <XCircle className={`${className} text-red-600`} aria-hidden />;
  return <Info className={`${className} text-slate-400`} aria-hidden />;
}

export const overallWords: Record<HealthLevel, string> = {
  ok: "Mail is flowing normally",
  info: "Mail is flowing normally",
  warn: "Something needs a look",
  problem: "Mail is not flowing as it should",
};
