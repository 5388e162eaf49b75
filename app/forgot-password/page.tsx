import type { Metadata } from "next";
import { AuthPage } from "@/components/auth/auth-page";
import { ForgotPasswordForm } from "@/components/auth/password-link-forms";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <AuthPage title="Reset your password" subtitle="We mail you a link to choose a new one.">
      <ForgotPasswordForm />
    </AuthPage>
  );
}
