import { useId, useState, type FormEvent } from "react";
import { CloudIcon, LoaderCircleIcon, LogInIcon } from "lucide-react";
import { LanguageSwitch, ThemeToggle } from "@/components/app-header";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useSignInMutation } from "@/data/auth/sign-in-mutation";
import { useI18n } from "@/lib/i18n/i18n-context";

/** Email and password sign-in; `onSignedIn` runs once Supabase Auth has a session. */
export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const signIn = useSignInMutation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password }, { onSuccess: onSignedIn });
  };

  const error = signIn.error;
  const errorText = !error
    ? null
    : error.code === "invalid_credentials" || /invalid login credentials/i.test(error.message)
      ? t("login.invalidCredentials")
      : t("login.failed", { message: error.message });

  return (
    <div className="flex min-h-dvh flex-col">
      <div className="flex justify-end gap-2 p-3">
        <LanguageSwitch />
        <ThemeToggle />
      </div>
      <main className="flex flex-1 items-start justify-center px-4 pb-16 pt-6 sm:items-center sm:pt-0">
        <Card className="w-full max-w-sm">
          <CardHeader className="justify-items-center text-center">
            <span className="mb-2 grid size-11 place-items-center rounded-xl bg-primary text-primary-foreground">
              <CloudIcon aria-hidden="true" className="size-6" />
            </span>
            <p className="text-sm font-medium text-muted-foreground">{t("app.title")}</p>
            <CardTitle as="h1" className="text-2xl">
              {t("login.title")}
            </CardTitle>
            <CardDescription>{t("login.description")}</CardDescription>
          </CardHeader>
          <CardContent>
            <form className="grid gap-4" onSubmit={onSubmit} noValidate={false}>
              {errorText && (
                <Alert variant="destructive">
                  <AlertDescription>
                    <p>{errorText}</p>
                  </AlertDescription>
                </Alert>
              )}
              <div className="grid gap-2">
                <Label htmlFor={`${id}-email`}>{t("login.email")}</Label>
                <Input
                  id={`${id}-email`}
                  type="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(event) => setEmail(event.target.value)}
                  aria-invalid={errorText !== null}
                />
              </div>
              <div className="grid gap-2">
                <Label htmlFor={`${id}-password`}>{t("login.password")}</Label>
                <Input
                  id={`${id}-password`}
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                  aria-invalid={errorText !== null}
                />
              </div>
              <Button type="submit" className="mt-1 w-full" disabled={signIn.isPending}>
                {signIn.isPending ? (
                  <LoaderCircleIcon aria-hidden="true" className="animate-spin" />
                ) : (
                  <LogInIcon aria-hidden="true" />
                )}
                {signIn.isPending ? t("login.submitting") : t("login.submit")}
              </Button>
            </form>
          </CardContent>
        </Card>
      </main>
    </div>
  );
}
