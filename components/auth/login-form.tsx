"use client";
import { LoaderCircle } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";
import { safeNext } from "@/server/auth/safe-next";
import { authClient } from "./auth-client";

function messageFor(status: number, message: string | undefined): string {
  if (status === 401) return "Wrong email or password.";
  if (status === 429) return "Too many sign-in attempts from here. Wait a minute, then try again.";
  if (status === 403) return message ?? "This account may not sign in.";
  return message ?? "Sign-in failed. Try again.";
}

export function LoginForm({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const { error: failed } = await authClient.signIn.email({ email: email.trim(), password });
    if (failed) {
      setPending(false);
      setError(messageFor(failed.status, failed.message));
      return;
    }
    // A full navigation, so the server renders the shell with the new session cookie.
    // Checked again here: whatever reaches this component, only a path on this site is followed.
    window.location.assign(safeNext(next));
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-5" noValidate>
      {error ? <Alert>{error}</Alert> : null}
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="username"
        required
        autoFocus
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <Button type="submit" className="w-full" disabled={pending || !email || !password}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
        Sign in
      </Button>
    </form>
  );
}
