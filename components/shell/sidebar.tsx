"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import {
  Activity,
  Ban,
  BellRing,
  Building2,
  CircleUser,
  FileChartColumn,
  Globe,
  HeartPulse,
  Inbox,
  Mail,
  MessageSquareText,
  ShieldCheck,
  Ticket,
  ShieldAlert,
  UserRoundSearch,
  Users,
  type LucideIcon,
} from "lucide-react";
import type { Role } from "@/server/users/roles";
import { cn } from "../ui/cn";
import { navigationFor, type NavIcon } from "./nav";
import { UserMenu } from "./user-menu";

const icons: Record<NavIcon, LucideIcon> = {
  tickets: Ticket,
  unattributed: UserRoundSearch,
  spam: ShieldAlert,
  clients: Building2,
  inbound: Inbox,
  "sending-domains": Globe,
  blocklist: Ban,
  "alert-rules": BellRing,
  "dmarc-reports": FileChartColumn,
  "mta-sts": ShieldCheck,
  activity: Activity,
  health: HeartPulse,
  "canned-responses": MessageSquareText,
  users: Users,
  profile: CircleUser,
};

export type ShellUser = { name: string; email: string; role: Role };

/** The product's mark and the tenant's name: the sidebar's head, and the phone top bar's. */
export function Brand({ tenantName }: { tenantName: string }) {
  return (
    <div className="flex min-w-0 items-center gap-3">
      <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-indigo-600 text-white">
        <Mail className="size-4.5" aria-hidden />
      </span>
      <div className="min-w-0 leading-tight">
        <p className="text-sm font-semibold text-slate-900">OpsMerge</p>
        <p className="truncate text-xs text-slate-500">{tenantName}</p>
      </div>
    </div>
  );
}

/**
 * The navigation column: fixed at the left from 1024 px, and the content of the phone menu's drawer below that
 * (R-UX-2). `head` replaces the brand's right side (the drawer's close button); `onNavigate` runs on a link click.
 */
export function Sidebar({
  user,
  tenantName,
  className,
  head,
  onNavigate,
}: {
  user: ShellUser;
  tenantName: string;
  className?: string;
  head?: ReactNode;
  onNavigate?: () => void;
}) {
  const pathname = usePathname();
  return (
    <aside className={cn("flex w-64 shrink-0 flex-col border-r border-slate-200 bg-white", className)}>
      <div className="flex h-16 items-center justify-between gap-3 border-b border-slate-200 px-5">
        <Brand tenantName={tenantName} />
        {head}
      </div>
      <nav aria-label="Main" className="flex-1 space-y-6 overflow-y-auto px-3 py-5">
        {navigationFor(user.role).map((section) => (
          <div key={section.title ?? "main"}>
            {section.title ? (
              <p className="mb-2 px-2 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">{section.title}</p>
            ) : null}
            <ul className="space-y-0.5">
              {section.items.map((item) => {
                const Icon = icons[item.icon];
                const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                return (
                  <li key={item.href}>
                    <Link
                      href={item.href}
                      onClick={onNavigate}
                      aria-current={active ? "page" : undefined}
                      className={cn(
                        "flex items-center gap-2.5 rounded-md px-2 py-1.5 text-sm font-medium transition-colors",
                        active ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                      )}
                    >
                      <Icon className={cn("size-4", active ? "text-indigo-600" : "text-slate-400")} aria-hidden />
                      {item.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </nav>
      <UserMenu user={user} />
    </aside>
  );
}
