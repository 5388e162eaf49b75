"use client";
import { LoaderCircle, ShieldCheck } from "lucide-react";
import { useRouter } from "next/navigation";
import qrcode from "qrcode-generator";
import { useMemo, useState, type FormEvent } from "react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { CopyButton } from "../ui/copy-button";
import { TextField } from "../ui/field";
import { authClient } from "./auth-client";

type Started = { totpURI: string; backupCodes: string[] };

/** The TOTP URI as a QR code (an image made here, never fetched) and its secret for typing in by hand. */
function useQr(uri: string) {
  return useMemo(() => {
    const qr = qrcode(0, "M");
    qr.addData(uri);
    qr.make();
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    return { dataUrl: qr.createDataURL(4, 2), secret: secret.replace(/(.{4})/g, "$1 ").trim() };
  }, [uri]);
}

/**
 * Setting up better-auth's TOTP two-factor: confirm the password, scan the code, save the recovery codes, prove one
 * code (two-factor is on only after that). `onDone` runs once it is on.
 */
export function TwoFactorSetup({ onDone }: { onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [started, setStarted] = useState<Started | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function start(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const { data, error: failed } = await authClient.twoFactor.enable({ password });
    setPending(false);
    if (failed || !data || !("totpURI" in data) || !data.totpURI) {
      setError(failed?.status === 400 ? "That is not your password." : failed?.status === 429 ? "Too many attempts. Wait a few seconds." : "Two-factor could not be set up. Try again.");
      return;
    }
    setStarted({ totpURI: data.totpURI, backupCodes: data.backupCodes ?? [] });
  }

  if (started) return <ConfirmCode started={started} onDone={onDone} />;
  return (
    <form onSubmit={(e) => void start(e)} className="space-y-4" noValidate>
      <TextField
        label="Your password"
        name="password"
        type="password"
        autoComplete="current-password"
        hint="To confirm it is you before adding a second factor."
        value={password}
        error={error ?? undefined}
        onChange={(e) => setPassword(e.target.value)}
      />
      <Button type="submit" disabled={pending || !password}>
        {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : <ShieldCheck className="size-4" aria-hidden />}
        Set up two-factor sign-in
      </Button>
    </form>
  );
}

function ConfirmCode({ started, onDone }: { started: Started; onDone: () => void }) {
  const { dataUrl, secret } = useQr(started.totpURI);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function verify(e: FormEvent) {
    e.preventDefault();
    const digits = code.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(digits)) {
      setError("Enter the 6-digit code your app shows.");
      return;
    }
    setPending(true);
    setError(null);
    const { error: failed } = await authClient.twoFactor.verifyTotp({ code: digits });
    setPending(false);
    if (failed) {
      setError(failed.status === 429 ? "Too many attempts. Wait a few seconds, then try again." : "That code is not right. Check the time on your phone and enter the current code.");
      return;
    }
    onDone();
  }

  return (
    <div className="space-y-5">
      <ol className="list-decimal space-y-4 pl-5 text-sm text-slate-700">
        <li>
          Scan this code with your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…).
          <div className="mt-3 flex flex-wrap items-center gap-4">
            <img src={dataUrl} alt="QR code for your authenticator app" className="size-40 rounded ring-1 ring-slate-200" />
            <div className="space-y-1 text-xs text-slate-500">
              <p>Cannot scan? Enter this key:</p>
              <p className="font-mono text-sm text-slate-900" data-testid="totp-secret">
                {secret}
              </p>
              <a href={started.totpURI} className="font-medium text-indigo-600 hover:text-indigo-500" data-testid="totp-uri">
                Open in an authenticator app on this device
              </a>
            </div>
          </div>
        </li>
        <li>
          Save these recovery codes somewhere safe. Each signs you in once if you lose your phone.
          <div className="mt-2 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
            <ul className="grid grid-cols-2 gap-1 font-mono text-sm text-slate-900" aria-label="Recovery codes">
              {started.backupCodes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
            <div className="mt-2">
              <CopyButton value={started.backupCodes.join("\n")} label="Copy recovery codes" />
            </div>
          </div>
        </li>
        <li>
          Enter the code your app shows now.
          <form onSubmit={(e) => void verify(e)} className="mt-2 flex items-start gap-2" noValidate>
            <div className="w-40">
              <TextField
                label="Code"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                error={error ?? undefined}
                onChange={(e) => setCode(e.target.value)}
              />
            </div>
            <Button type="submit" className="mt-6" disabled={pending || !code.trim()}>
              {pending ? <LoaderCircle className="size-4 animate-spin" aria-hidden /> : null}
              Turn on
            </Button>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** Turning two-factor off (not offered while the tenant requires it). */
export function TwoFactorDisable({ onDone }: { onDone: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const { error: failed } = await authClient.twoFactor.disable({ password });
    setPending(false);
    if (failed) {
      setError(failed.status === 400 ? "That is not your password." : "Two-factor could not be turned off. Try again.");
      return;
    }
    onDone();
  }

  return (
    <form onSubmit={(e) => void submit(e)} className="flex items-start gap-2" noValidate>
      <div className="w-64">
        <TextField label="Your password" name="disable-password" type="password" autoComplete="current-password" value={password} error={error ?? undefined} onChange={(e) => setPassword(e.target.value)} />
      </div>
      <Button type="submit" variant="secondary" className="mt-6" disabled={pending || !password}>
        Turn off two-factor
      </Button>
    </form>
  );
}

/** Profile: two-factor sign-in, on or off. */
export function TwoFactorCard({ enabled, required }: { enabled: boolean; required: boolean }) {
  const router = useRouter();
  return (
    <Card>
      <CardHeader
        title="Two-factor sign-in"
        description={
          enabled
            ? "On: signing in asks for a code from your authenticator app (or a recovery code)."
            : "Off: add a code from an authenticator app to your password, so a leaked password alone cannot sign in."
        }
        actions={enabled ? <Badge tone="green">On</Badge> : <Badge tone="slate">Off</Badge>}
      />
      <div className="px-5 py-5">
        {!enabled ? (
          <TwoFactorSetup onDone={() => router.refresh()} />
        ) : required ? (
          <p className="text-sm text-slate-500">Your organisation requires two-factor sign-in, so it stays on.</p>
        ) : (
          <TwoFactorDisable onDone={() => router.refresh()} />
        )}
      </div>
    </Card>
  );
}

/** The page a user without a second factor lands on when their tenant requires one. */
export function RequiredTwoFactorSetup() {
  return <TwoFactorSetup onDone={() => window.location.assign("/tickets")} />;
}
