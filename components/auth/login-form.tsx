"use client";
import { LoaderCircle } from "lucide-react";
import Link from "next/link";
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

function codeMessageFor(status: number, recovery: boolean): string {
  if (status === 429) return "Too many attempts. Wait a few seconds, then try again.";
  if (status === 401 || status === 400) {
    return recovery ? "That recovery code is not valid or was already used." : "That code is not right. Enter the current 6-digit code from your app.";
  }
  return "Two-factor sign-in failed. Start again from your password.";
}

export function LoginForm({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [secondStep, setSecondStep] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const { data, error: failed } = await authClient.signIn.email({ email: email.trim(), password });
    if (failed) {
      setPending(false);
      setError(messageFor(failed.status, failed.message));
      return;
    }
    if (data && "twoFactorRedirect" in data && data.twoFactorRedirect) {
      setPending(false);
      setSecondStep(true);
      return;
    }
    // A full navigation, so the server renders the shell with the new session cookie.
    // Checked again here: whatever reaches this component, only a path on this site is followed.
    window.location.assign(safeNext(next));
  }

  if (secondStep) return <TwoFactorStep next={next} onRestart={() => { setSecondStep(false); setPassword(""); }} />;

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
      <div className="space-y-1.5">
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p className="text-right text-sm">
          <Link href="/forgot-password" className="font-medium text-indigo-600 hover:text-indigo-500 focus:underline focus:outline-none">
            Forgot password?
          </Link>
        </p>
      </div>
      <Button type="submit" className="w-full" disabled={pending || !email || !password}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
        Sign in
      </Button>
    </form>
  );
}

/** The second step: a code from the authenticator app, or one of the recovery codes. */
function TwoFactorStep({ next, onRestart }: { next: string; onRestart: () => void }) {
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const trimmed = code.trim();
    const { error: failed } = recovery
      ? await authClient.twoFactor.verifyBackupCode({ code: trimmed })
      : await authClient.twoFactor.verifyTotp({ code: trimmed.replace(/\s+/g, "") });
    if (failed) {
      setPending(false);
      setError(codeMessageFor(failed.status, recovery));
      return;
    }
    window.location.assign(next);
  }

  const valid = recovery ? code.trim().length > 0 : /^\d{6}$/.test(code.replace(/\s+/g, ""));
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-5" noValidate>
      <div>
        <h2 className="text-base font-semibold text-slate-900">Two-factor sign-in</h2>
        <p className="mt-1 text-sm text-slate-500">
          {recovery ? "Enter one of the recovery codes you saved. Each works once." : "Enter the 6-digit code from your authenticator app."}
        </p>
      </div>
      <TextField
        key={recovery ? "recovery" : "totp"}
        label={recovery ? "Recovery code" : "Authentication code"}
        name="code"
        autoComplete="one-time-code"
        inputMode={recovery ? "text" : "numeric"}
        autoFocus
        required
        value={code}
        error={error ?? undefined}
        onChange={(e) => setCode(e.target.value)}
      />
      <Button type="submit" className="w-full" disabled={pending || !valid}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
        Verify
      </Button>
      <div className="flex justify-between text-sm">
        <button
          type="button"
          className="font-medium text-indigo-600 hover:text-indigo-500 focus:underline focus:outline-none"
          onClick={() => {
            setRecovery(!recovery);
            setCode("");
            setError(null);
          }}
        >
          {recovery ? "Use the authenticator app" : "Use a recovery code"}
        </button>
        <button type="button" className="text-slate-500 hover:text-slate-700 focus:underline focus:outline-none" onClick={onRestart}>
          Start over
        </button>
      </div>
    </form>
  );
}
