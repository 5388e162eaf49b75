/**
 * R-UX-4 accounts through better-auth's own endpoints, on real databases: invitations and self-service resets as
 * mail on the outbound queue (single-use, 72-hour links), sessions revoked on reset, TOTP two-factor with
 * recovery codes, and the tenant rule that makes it mandatory.
 */
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { totpCode } from "../../test/support/totp";
import { CLIENT_IP_HEADER } from "../auth/client-ip";
import { createAuth, type Auth } from "../auth/create-auth";
import { getSessionInfo } from "../auth/session-user";
import { claimOutboundJobs, recordDeliveryAttempt } from "../outbound/delivery-queue";
import { seedDemo } from "../tenants/seed-demo";
import { createContextInner } from "../trpc/init";
import { createCaller } from "../trpc/routers/_app";
import { createUser } from "../users/create-user";
import { inviteUser } from "../users/invite-user";
import { updateUser } from "../users/update-user";
import { ACCOUNT_LINK_HOURS, ACCOUNT_MAIL_REASON } from "./account-mail";
import { needsTwoFactorSetup, setTwoFactorPolicy } from "./two-factor-policy";

const APP_URL = "http://localhost:3998";
const SECRET = "a".repeat(40);
let ip = 1;

describe("test TOTP helper", () => {
  it("matches the RFC 6238 SHA-1 test vector (T = 59 s)", () => {
    // Secret "12345678901234567890"; the RFC lists 94287082 for 8 digits, so 287082 for 6.
    expect(totpCode("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", new Date(59_000))).toBe("287082");
  });
});

describe.each(testProviders())("R-UX-4 accounts on %s", (provider) => {
  let t: TestDatabase;
  let auth: Auth;
  let tenantId: string;
  let adminId: string;

  /** Every call from its own client IP: the tests are about tokens, not better-auth's rate limits. */
  const call = (method: "GET" | "POST", path: string, body?: unknown, cookie?: string) =>
    auth.handler(
      new Request(`${APP_URL}/api/auth${path}`, {
        method,
        redirect: "manual",
        headers: {
          origin: APP_URL,
          [CLIENT_IP_HEADER]: `10.7.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}`,
          ...(body ? { "content-type": "application/json" } : {}),
          ...(cookie ? { cookie } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
    );
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const signIn = (email: string, password: string) => call("POST", "/sign-in/email", { email, password });
  const requestLink = (email: string) => call("POST", "/request-password-reset", { email, redirectTo: "/set-password" });
  const setPassword = (token: string, newPassword: string) => call("POST", "/reset-password", { token, newPassword });

  /** The newest account mail to `to`, parsed from the raw message on the outbound queue, and its link's token. */
  async function lastMailTo(to: string) {
    const job = await t.db.outboundJob.findFirstOrThrow({
      where: { messageId: null, recipients: JSON.stringify([to]) },
      orderBy: { createdAt: "desc" },
    });
    const mail = await simpleParser(Buffer.from(job.raw));
    const link = /http\S+\/api\/auth\/reset-password\/(\S+?)\?callbackURL=\S+/.exec(mail.text ?? "");
    if (!link) throw new Error(`no link in: ${mail.text}`);
    return { job, mail, url: link[0], token: link[1]! };
  }

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    auth = createAuth(t.db, { database: t.database, appUrl: APP_URL, secret: SECRET, inboundDomain: "in.localhost" });
    tenantId = (await seedDemo(t.db, { password: "seeded admin password", inboundDomain: "in.localhost" })).tenantId;
    adminId = (await t.db.user.findUniqueOrThrow({ where: { email: "admin@demo.local" } })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("an invitation is mailed from the tenant mailbox; its link sets the password once, then is refused", async () => {
    const invited = await inviteUser(t.db, tenantId, { name: "Ivy Invitee", email: "ivy@demo.local", role: "TECHNICIAN" });
    // No password yet: nothing signs in.
    expect((await signIn("ivy@demo.local", "any password at all")).status).toBe(401);

    const before = Date.now();
    expect((await requestLink("ivy@demo.local")).status).toBe(200);
    const { mail, url, token, job } = await lastMailTo("ivy@demo.local");
    expect(mail.subject).toBe("You are invited to Demo MSP on OpsMerge");
    expect(mail.from?.value[0]?.address).toBe("support@demo.in.localhost");
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null).toBe("ivy@demo.local");
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
    expect(mail.text).toContain(`expires in ${ACCOUNT_LINK_HOURS} hours`);
    expect(job).toMatchObject({ state: "QUEUED", tenantId });
    expect(job.envelopeFrom).toMatch(/^bounce-.+@demo\.in\.localhost$/);
    const activity = await t.db.activityLog.findFirstOrThrow({ where: { toAddress: "ivy@demo.local", reason: ACCOUNT_MAIL_REASON } });
    expect(activity).toMatchObject({ outcome: "QUEUED", direction: "OUTBOUND", subject: mail.subject });

    // The token lives 72 hours.
    const stored = await t.db.verification.findFirstOrThrow({ where: { identifier: `reset-password:${token}` } });
    expect(stored.value).toBe(invited.id);
    const hours = (stored.expiresAt.getTime() - before) / 3_600_000;
    expect(hours).toBeGreaterThan(ACCOUNT_LINK_HOURS - 0.1);
    expect(hours).toBeLessThan(ACCOUNT_LINK_HOURS + 0.1);

    // The mailed link lands on the app's page with the token.
    const landing = await auth.handler(new Request(url, { redirect: "manual" }));
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toBe(`${APP_URL}/set-password?token=${token}`);

    expect((await setPassword(token, "short")).status).toBe(400);
    expect((await setPassword(token, "ivy's own password")).status).toBe(200);
    expect((await signIn("ivy@demo.local", "ivy's own password")).status).toBe(200);
    // Single use.
    const again = await setPassword(token, "someone else's password");
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe("INVALID_TOKEN");
    expect((await signIn("ivy@demo.local", "ivy's own password")).status).toBe(200);
    const usedLanding = await auth.handler(new Request(url, { redirect: "manual" }));
    expect(usedLanding.headers.get("location")).toBe(`${APP_URL}/set-password?error=INVALID_TOKEN`);
  });

  it("an expired link is refused and changes nothing", async () => {
    await inviteUser(t.db, tenantId, { name: "Late Larry", email: "larry@demo.local", role: "SUPPORT" });
    await requestLink("larry@demo.local");
    const { token } = await lastMailTo("larry@demo.local");
    await t.db.verification.updateMany({
      where: { identifier: `reset-password:${token}` },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await setPassword(token, "too late password");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("INVALID_TOKEN");
    expect((await signIn("larry@demo.local", "too late password")).status).toBe(401);
  });

  it("a self-service reset mails the reset wording and ends every session of the user", async () => {
    await createUser(t.db, tenantId, { name: "Rita Reset", email: "rita@demo.local", role: "SUPPORT", password: "rita old password" });
    const laptop = cookieOf(await signIn("rita@demo.local", "rita old password"));
    const phone = cookieOf(await signIn("rita@demo.local", "rita old password"));
    expect(await getSessionInfo(auth, new Headers({ cookie: laptop }))).not.toBeNull();

    expect((await requestLink("rita@demo.local")).status).toBe(200);
    const { mail, token } = await lastMailTo("rita@demo.local");
    expect(mail.subject).toBe("Reset your OpsMerge password");
    expect(mail.text).toContain("signs you out everywhere");
    expect((await setPassword(token, "rita new password")).status).toBe(200);

    expect(await getSessionInfo(auth, new Headers({ cookie: laptop }))).toBeNull();
    expect(await getSessionInfo(auth, new Headers({ cookie: phone }))).toBeNull();
    expect(await t.db.session.count({ where: { user: { email: "rita@demo.local" } } })).toBe(0);
    expect((await signIn("rita@demo.local", "rita old password")).status).toBe(401);
    expect((await signIn("rita@demo.local", "rita new password")).status).toBe(200);
    expect((await setPassword(token, "rita third password")).status).toBe(400);
  });

  it("an unknown address gets the same answer and no mail; a disabled user gets no mail", async () => {
    const jobs = await t.db.outboundJob.count();
    const unknown = await requestLink("nobody@demo.local");
    expect(unknown.status).toBe(200);
    const dora = await createUser(t.db, tenantId, { name: "Dora", email: "dora@demo.local", role: "SUPPORT", password: "dora password 1" });
    await updateUser(t.db, tenantId, adminId, { userId: dora.id, disabled: true });
    expect((await requestLink("dora@demo.local")).status).toBe(200);
    expect(await t.db.outboundJob.count()).toBe(jobs);
  });

  it("account mail is delivered by the outbound worker like any other job (no ticket message behind it)", async () => {
    await inviteUser(t.db, tenantId, { name: "Del", email: "del@demo.local", role: "SUPPORT" });
    await requestLink("del@demo.local");
    const { job } = await lastMailTo("del@demo.local");
    const claimed = await claimOutboundJobs(t.db, { workerId: "w1", limit: 50, leaseMs: 60_000 });
    expect(claimed.find((c) => c.id === job.id)).toMatchObject({ messageId: null, recipients: ["del@demo.local"] });
    const recorded = await recordDeliveryAttempt(t.db, {
      jobId: job.id,
      workerId: "w1",
      outcomes: [{ recipient: "del@demo.local", kind: "delivered", reply: "250 ok" }],
    });
    expect(recorded.state).toBe("DELIVERED");
    expect((await t.db.outboundJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("DELIVERED");
    expect(await t.db.activityLog.count({ where: { toAddress: "del@demo.local", outcome: "DELIVERED", ticketId: null } })).toBe(1);
  });

  it("TOTP two-factor: enable with a verified code, then sign-in asks for a code; recovery codes work once", async () => {
    await createUser(t.db, tenantId, { name: "Toby", email: "toby@demo.local", role: "TECHNICIAN", password: "toby password 1" });
    const cookie = cookieOf(await signIn("toby@demo.local", "toby password 1"));
    expect((await call("POST", "/two-factor/enable", { password: "wrong password" }, cookie)).status).toBe(400);
    const enabled = await call("POST", "/two-factor/enable", { password: "toby password 1" }, cookie);
    expect(enabled.status).toBe(200);
    const { totpURI, backupCodes } = (await enabled.json()) as { totpURI: string; backupCodes: string[] };
    expect(totpURI).toMatch(/^otpauth:\/\/totp\/OpsMerge:toby%40demo\.local\?/);
    expect(backupCodes.length).toBeGreaterThanOrEqual(8);
    // Not on until the first code is proven.
    expect((await t.db.user.findUniqueOrThrow({ where: { email: "toby@demo.local" } })).twoFactorEnabled).toBe(false);
    const wrong = totpCode(totpURI) === "000000" ? "111111" : "000000";
    expect((await call("POST", "/two-factor/verify-totp", { code: wrong }, cookie)).status).toBe(401);
    expect((await call("POST", "/two-factor/verify-totp", { code: totpCode(totpURI) }, cookie)).status).toBe(200);
    expect((await t.db.user.findUniqueOrThrow({ where: { email: "toby@demo.local" } })).twoFactorEnabled).toBe(true);

    // The password alone now gives no session, only a pending two-factor challenge.
    const first = await signIn("toby@demo.local", "toby password 1");
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    const pending = cookieOf(first);
    expect(await getSessionInfo(auth, new Headers({ cookie: pending }))).toBeNull();
    const coded = await call("POST", "/two-factor/verify-totp", { code: totpCode(totpURI) }, pending);
    expect(coded.status).toBe(200);
    expect(await getSessionInfo(auth, new Headers({ cookie: cookieOf(coded) }))).not.toBeNull();

    // A recovery code instead of the app: accepted once.
    const second = cookieOf(await signIn("toby@demo.local", "toby password 1"));
    const recovered = await call("POST", "/two-factor/verify-backup-code", { code: backupCodes[0] }, second);
    expect(recovered.status).toBe(200);
    expect(await getSessionInfo(auth, new Headers({ cookie: cookieOf(recovered) }))).not.toBeNull();
    const third = cookieOf(await signIn("toby@demo.local", "toby password 1"));
    expect((await call("POST", "/two-factor/verify-backup-code", { code: backupCodes[0] }, third)).status).toBe(401);
  });

  it("an admin makes two-factor mandatory: users without it are stopped until they set it up", async () => {
    const sam = await createUser(t.db, tenantId, { name: "Sam", email: "sam@demo.local", role: "TECHNICIAN", password: "sam password 1" });
    const res = await signIn("sam@demo.local", "sam password 1");
    const session = await getSessionInfo(auth, new Headers({ cookie: cookieOf(res) }));
    const caller = createCaller(createContextInner({ db: t.db, session }));
    await expect(caller.profile.me()).resolves.toMatchObject({ email: "sam@demo.local" });

    const admin = createCaller(createContextInner({ db: t.db, session: await getSessionInfo(auth, new Headers({ cookie: cookieOf(await signIn("admin@demo.local", "seeded admin password")) })) }));
    // Only an admin who uses two-factor may require it.
    await expect(admin.users.setTwoFactorPolicy({ required: true })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    await t.db.user.update({ where: { id: adminId }, data: { twoFactorEnabled: true } });
    await expect(admin.users.setTwoFactorPolicy({ required: true })).resolves.toEqual({ required: true });
    expect(await needsTwoFactorSetup(t.db, { tenantId, twoFactorEnabled: false })).toBe(true);
    await expect(caller.profile.me()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.users.list()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ email: "sam@demo.local" })]));

    await t.db.user.update({ where: { id: sam.id }, data: { twoFactorEnabled: true } });
    await expect(caller.profile.me()).resolves.toMatchObject({ email: "sam@demo.local" });
    await setTwoFactorPolicy(t.db, tenantId, { twoFactorEnabled: true }, { required: false });
    await expect(admin.users.twoFactorPolicy()).resolves.toEqual({ required: false });
    await t.db.user.update({ where: { id: adminId }, data: { twoFactorEnabled: false } });
  });
});
