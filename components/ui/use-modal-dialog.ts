"use client";
import { useEffect, useRef } from "react";

/**
 * A ref for a <dialog> that opens as a modal when it mounts and closes when it unmounts: the browser then traps
 * focus in it and turns Esc into a `cancel` event.
 */
export function useModalDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return ref;
}
