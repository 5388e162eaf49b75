"use client";
import { LoaderCircle } from "lucide-react";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@/server/users/password-rules";
import { authClient, SET_PASSWORD_PATH } from "./auth-client";

/** Asks better-auth to mail a reset link. The answer never says whether the address has an account. */
export function ForgotPasswordForm() {
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setError("Enter a valid email address.");
      return;
    }
    setPending(true);
    setError(null);
    const { error: failed } = await authClient.requestPasswordReset({ email: address, redirectTo: SET_PASSWORD_PATH });
    setPending(false);
    if (failed) {
      setError(failed.status === 429 ? "Too many requests from here. Wait a minute, then try again." : "We could not send the link. Try again.");
      return;
    }
    setSent(true);
  }

  if (sent) {
    return (
      <div className="space-y-4">
        <Alert tone="success">If {email.trim()} has an account, a link to choose a new password is on its way. It works once, for 72 hours.</Alert>
        <p className="text-sm">
          <Link href="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
            Back to sign in
          </Link>
        </p>
      </div>
    );
  }
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-5" noValidate>
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="username"
        autoFocus
        required
        value={email}
        error={error ?? undefined}
        onChange={(e) => setEmail(e.target.value)}
      />
      <Button type="submit" className="w-full" disabled={pending || !email.trim()}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
        Send me a link
      </Button>
      <p className="text-center text-sm">
        <Link href="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
          Back to sign in
        </Link>
      </p>
    </form>
  );
}

/** Sets the password with the link's token (an invitation or a reset); better-auth ends every session of the user. */
export function SetPasswordForm({ token }: { token: string }) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ password?: string; confirm?: string; form?: string }>({});
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) {
      setErrors({ password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` });
      return;
    }
    if (confirm !== password) {
      setErrors({ confirm: "The two passwords are not the same." });
      return;
    }
    setPending(true);
    setErrors({});
    const { error: failed } = await authClient.resetPassword({ newPassword: password, token });
    setPending(false);
    if (failed) {
      setErrors(
        failed.code === "INVALID_TOKEN"
          ? { form: "This link has expired or was already used. Ask for a new one." }
          : failed.code === "PASSWORD_TOO_LONG"
            ? { password: `Use at most ${MAX_PASSWORD_LENGTH} characters.` }
            : { form: failed.message ?? "The password could not be set. Try again." },
      );
      return;
    }
    setDone(true);
  }

  if (done) {
    return (
      <div className="space-y-4">
        <Alert tone="success">Your password is set. Sign in with it now.</Alert>
        <Link
          href="/login"
          className="inline-flex w-full items-center justify-center rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
        >
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-5" noValidate>
      {errors.form ? (
        <Alert>
          {errors.form}{" "}
          <Link href="/forgot-password" className="font-medium underline">
            Ask for a new link
          </Link>
        </Alert>
      ) : null}
      <TextField
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        autoFocus
        required
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        value={password}
        error={errors.password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <TextField
        label="Repeat the password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        value={confirm}
        error={errors.confirm}
        onChange={(e) => setConfirm(e.target.value)}
      />
      <Button type="submit" className="w-full" disabled={pending || !password || !confirm}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
        Set password
      </Button>
    </form>
  );
}
