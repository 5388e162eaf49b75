"use client";
import { Menu, X } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useModalDialog } from "../ui/use-modal-dialog";
import { Brand, Sidebar, type ShellUser } from "./sidebar";

/**
 * The page frame (R-UX-2). From 1024 px the navigation is a fixed column at the left; below that a top bar holds a
 * Menu button that opens the same navigation as a drawer: a modal <dialog>, so focus stays inside it, Esc closes it
 * and focus goes back to the Menu button. A link click or a tap on the backdrop closes it too.
 */
export function AppShell({ user, tenantName, children }: { user: ShellUser; tenantName: string; children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  // Focus goes back to the Menu button once the drawer is gone: while the modal is open the button is inert.
  useEffect(() => {
    if (wasOpen.current && !menuOpen) menuButton.current?.focus();
    wasOpen.current = menuOpen;
  }, [menuOpen]);

  const closeMenu = () => setMenuOpen(false);

  return (
    <div className="min-h-screen lg:flex">
      <Sidebar user={user} tenantName={tenantName} className="sticky top-0 hidden h-screen lg:flex" />
      <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-slate-200 bg-white px-4 lg:hidden">
        <button
          ref={menuButton}
          type="button"
          aria-expanded={menuOpen}
          aria-controls="navigation-drawer"
          onClick={() => setMenuOpen(true)}
          className="-ml-1.5 inline-flex items-center gap-1.5 rounded-md p-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
        >
          <Menu className="size-5" aria-hidden />
          Menu
        </button>
        <Brand tenantName={tenantName} />
      </header>
      {menuOpen ? <NavigationDrawer user={user} tenantName={tenantName} onClose={closeMenu} /> : null}
      <main className="min-w-0 flex-1">
        <div className="mx-auto max-w-6xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">{children}</div>
      </main>
    </div>
  );
}

function NavigationDrawer({ user, tenantName, onClose }: { user: ShellUser; tenantName: string; onClose: () => void }) {
  const ref = useModalDialog();
  return (
    <dialog
      ref={ref}
      id="navigation-drawer"
      aria-label="Navigation"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      // A click on the backdrop lands on the <dialog> itself; clicks inside land on its content.
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      className="m-0 h-full max-h-none w-72 max-w-[85vw] bg-transparent p-0 lg:hidden"
    >
      <Sidebar
        user={user}
        tenantName={tenantName}
        className="h-full w-full shadow-2xl"
        onNavigate={onClose}
        head={
          <button
            type="button"
            onClick={onClose}
            autoFocus
            aria-label="Close menu"
            className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600"
          >
            <X className="size-5" aria-hidden />
          </button>
        }
      />
    </dialog>
  );
}
