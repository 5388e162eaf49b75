import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { seedDemo, DEMO_ADMIN_EMAIL } from "../tenants/seed-demo";
import { createUser } from "../users/create-user";
import { updateUser } from "../users/update-user";
import { resetUserPassword } from "../users/reset-user-password";
import { changeOwnPassword } from "../users/change-own-password";
import { createAuth, SIGN_IN_LIMIT, type Auth } from "./create-auth";
import { CLIENT_IP_HEADER } from "./client-ip";
import { getSessionInfo, getSessionUser } from "./session-user";
import { AppError } from "../errors";

const APP_URL = "http://localhost:3999";
let ipCounter = 1;

describe.each(testProviders())("better-auth sign-in on %s", (provider) => {
  let t: TestDatabase;
  let auth: Auth;
  let tenantId: string;
  const adminPassword = "seeded admin password";

  /** A sign-in from its own client IP, so tests do not share a rate-limit bucket unless they mean to. */
  const signIn = (email: string, password: string, ip = `10.0.0.${ipCounter++}`) =>
    auth.handler(
      new Request(`${APP_URL}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: APP_URL, [CLIENT_IP_HEADER]: ip },
        body: JSON.stringify({ email, password }),
      }),
    );
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    auth = createAuth(t.db, { database: t.database, appUrl: APP_URL, secret: "x".repeat(40), inboundDomain: "in.localhost" });
    const seeded = await seedDemo(t.db, { password: adminPassword, inboundDomain: "in.localhost" });
    tenantId = seeded.tenantId;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-TEN-4 seeds the demo tenant and admin once; a second run keeps the admin", async () => {
    const again = await seedDemo(t.db, { password: "a different password", inboundDomain: "in.localhost" });
    expect(again).toEqual({ tenantId, adminEmail: DEMO_ADMIN_EMAIL, password: null });
    const tenant = await t.db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(tenant).toMatchObject({ slug: "demo", name: "Demo MSP" });
    expect(tenant.mtaStsPolicyId).toMatch(/^[a-z0-9]{1,32}$/);
    expect((await t.db.user.findUniqueOrThrow({ where: { email: DEMO_ADMIN_EMAIL } })).role).toBe("ADMIN");
  });

  it("generates a strong password when none is given", async () => {
    const fresh = await createTestDatabase(provider);
    try {
      const seeded = await seedDemo(fresh.db, { inboundDomain: "in.localhost" });
      expect(seeded.password).toMatch(/^[A-Za-z0-9]{20}$/);
    } finally {
      await fresh.drop();
    }
  });

  it("R-TEN-4 the seeded admin signs in; the session cookie is httpOnly and SameSite=Lax", async () => {
    const res = await signIn(DEMO_ADMIN_EMAIL, adminPassword);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.includes("session_token"));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const session = await getSessionInfo(auth, new Headers({ cookie: cookieOf(res) }));
    expect(session).not.toBeNull();
    expect((await getSessionUser(t.db, session))?.email).toBe(DEMO_ADMIN_EMAIL);
  });

  it("sets Secure cookies when APP_URL is https", async () => {
    const secureAuth = createAuth(t.db, { database: t.database, appUrl: "https://gw.example.com", secret: "x".repeat(40), inboundDomain: "in.localhost" });
    const res = await secureAuth.handler(
      new Request("https://gw.example.com/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://gw.example.com", [CLIENT_IP_HEADER]: "10.9.9.9" },
        body: JSON.stringify({ email: DEMO_ADMIN_EMAIL, password: adminPassword }),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().find((c) => c.includes("session_token"))).toMatch(/Secure/);
  });

  it("refuses a wrong password and sign-up", async () => {
    expect((await signIn(DEMO_ADMIN_EMAIL, "not the password")).status).toBe(401);
    const signUp = await auth.handler(
      new Request(`${APP_URL}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: APP_URL, [CLIENT_IP_HEADER]: "10.1.1.1" },
        body: JSON.stringify({ email: "new@x.test", password: "a long password", name: "New" }),
      }),
    );
    expect(signUp.status).toBeGreaterThanOrEqual(400);
    expect(await t.db.user.findUnique({ where: { email: "new@x.test" } })).toBeNull();
  });

  it(`rate-limits sign-in to ${SIGN_IN_LIMIT.max} per minute per IP, in the database`, async () => {
    const ip = "10.200.0.1";
    for (let i = 0; i < SIGN_IN_LIMIT.max; i++) expect((await signIn(DEMO_ADMIN_EMAIL, "wrong password", ip)).status).toBe(401);
    expect((await signIn(DEMO_ADMIN_EMAIL, adminPassword, ip)).status).toBe(429);
    expect(await t.db.rateLimit.count({ where: { key: { contains: ip } } })).toBe(1);
    // Another IP is not affected.
    expect((await signIn(DEMO_ADMIN_EMAIL, adminPassword, "10.200.0.2")).status).toBe(200);
  });

  it("R-TEN-4 a disabled user cannot sign in and their sessions are refused", async () => {
    const tech = await createUser(t.db, tenantId, { name: "Tech", email: "tech@demo.local", role: "TECHNICIAN", password: "tech password 1" });
    const ok = await signIn("tech@demo.local", "tech password 1");
    expect(ok.status).toBe(200);
    const headers = new Headers({ cookie: cookieOf(ok) });
    const admin = await t.db.user.findUniqueOrThrow({ where: { email: DEMO_ADMIN_EMAIL } });
    await updateUser(t.db, tenantId, admin.id, { userId: tech.id, disabled: true });
    expect(await getSessionUser(t.db, await getSessionInfo(auth, headers))).toBeNull();
    const refused = await signIn("tech@demo.local", "tech password 1");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/disabled/);
    await updateUser(t.db, tenantId, admin.id, { userId: tech.id, disabled: false });
    expect((await signIn("tech@demo.local", "tech password 1")).status).toBe(200);
  });

  it("password reset by an admin and password change by the user go through better-auth's hasher", async () => {
    const sup = await createUser(t.db, tenantId, { name: "Sup", email: "sup@demo.local", role: "SUPPORT", password: "first password" });
    const before = await signIn("sup@demo.local", "first password");
    await resetUserPassword(t.db, tenantId, { userId: sup.id, password: "second password" });
    // The reset ended the old session.
    expect(await getSessionInfo(auth, new Headers({ cookie: cookieOf(before) }))).toBeNull();
    expect((await signIn("sup@demo.local", "first password")).status).toBe(401);
    expect((await signIn("sup@demo.local", "second password")).status).toBe(200);

    await expect(changeOwnPassword(t.db, sup.id, { currentPassword: "wrong", newPassword: "third password" })).rejects.toMatchObject(
      new AppError("BAD_INPUT", "That is not your current password.", { field: "currentPassword" }),
    );
    await changeOwnPassword(t.db, sup.id, { currentPassword: "second password", newPassword: "third password" });
    expect((await signIn("sup@demo.local", "third password")).status).toBe(200);
  });
});
