import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "OpsMerge Email Gateway", template: "%s · OpsMerge" },
  description: "The email channel of OpsMerge: client mail in, ticket replies out.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request, so each gets the nonce of its Content-Security-Policy (proxy.ts); a
  // page built ahead of time would carry scripts without one, and the browser would refuse them.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
