"use client";
import Link from "next/link";
import { ChevronsUpDown, CircleUser, LogOut } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { roleLabels, type Role } from "@/server/users/roles";
import { authClient } from "../auth/auth-client";

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase() ?? "")
    .join("");
}

export function UserMenu({ user }: { user: { name: string; email: string; role: Role } }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  async function signOut() {
    await authClient.signOut();
    window.location.assign("/login");
  }

  return (
    <div ref={ref} className="relative border-t border-slate-200 p-3">
      {open ? (
        <div role="menu" aria-label="User menu" className="absolute right-3 bottom-full left-3 mb-2 rounded-lg bg-white py-1 shadow-lg ring-1 ring-slate-200">
          <Link role="menuitem" href="/profile" onClick={() => setOpen(false)} className="flex items-center gap-2 px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
            <CircleUser className="size-4 text-slate-400" aria-hidden />
            Profile
          </Link>
          <button role="menuitem" type="button" onClick={() => void signOut()} className="flex w-full items-center gap-2 px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
            <LogOut className="size-4 text-slate-400" aria-hidden />
            Sign out
          </button>
        </div>
      ) : null}
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        className="flex w-full items-center gap-3 rounded-md p-2 text-left hover:bg-slate-100"
      >
        <span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700">
          {initials(user.name) || "?"}
        </span>
        <span className="min-w-0 flex-1 leading-tight">
          <span className="block truncate text-sm font-medium text-slate-900">{user.name}</span>
          <span className="block truncate text-xs text-slate-500">
            {roleLabels[user.role]} · {user.email}
          </span>
        </span>
        <ChevronsUpDown className="size-4 text-slate-400" aria-hidden />
      </button>
    </div>
  );
}
