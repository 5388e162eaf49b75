import { ShieldX } from "lucide-react";

export function AccessDenied({ what }: { what: string }) {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <ShieldX className="mx-auto size-10 text-slate-300" aria-hidden />
      <h1 className="mt-4 text-lg font-semibold text-slate-900">You don’t have access to {what}</h1>
      <p className="mt-2 text-sm text-slate-600">This page is for administrators. Ask an admin of your team if you need something changed here.</p>
    </div>
  );
}
