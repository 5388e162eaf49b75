"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { cn } from "../ui/cn";

/**
 * HTML we wrote ourselves (a reply rendered from Markdown, or the composer's preview of one), shown in a frame that
 * grows to its content. The document comes from the server, sanitised, with a restrictive CSP meta tag; the
 * sandbox runs no script (no `allow-scripts`), and `allow-same-origin` only lets this page measure the height.
 * Inbound mail is never shown this way: it goes through the viewer route's frame (message-card.tsx).
 */
export function HtmlFrame({
  title,
  document,
  minHeight = 48,
  maxHeight = 640,
  className,
}: {
  title: string;
  document: string;
  minHeight?: number;
  maxHeight?: number;
  className?: string;
}) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(minHeight);

  const measure = useCallback(() => {
    const doc = frame.current?.contentDocument;
    if (!doc?.documentElement) return;
    setHeight(Math.min(maxHeight, Math.max(minHeight, Math.ceil(doc.documentElement.scrollHeight))));
  }, [minHeight, maxHeight]);

  // Re-measure when the frame's width changes (text re-wraps).
  useEffect(() => {
    const el = frame.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => measure());
    observer.observe(el);
    return () => observer.disconnect();
  }, [measure]);

  return (
    <iframe
      ref={frame}
      title={title}
      srcDoc={document}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      referrerPolicy="no-referrer"
      onLoad={measure}
      style={{ height }}
      className={cn("block w-full bg-white", className)}
    />
  );
}
