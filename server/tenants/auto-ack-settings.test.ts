import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appError } from "../../test/support/app-error";
import { createTestDatabase, testProviders, type TestDatabase } from "../../test/support/database";
import { autoAckValues, DEFAULT_ACK_SUBJECT, DEFAULT_ACK_TEMPLATE, renderAutoAck } from "../mail/auto-ack-template";
import { getAutoAckSettings, updateAutoAckSettings, type UpdateAutoAckSettingsInput } from "./auto-ack-settings";
import { createTenant } from "./create-tenant";

const valid: UpdateAutoAckSettingsInput = {
  enabled: true,
  subject: "We got it: #{{ticketNumber}}",
  template: "Hi {{requesterName}},\n\nticket #{{ticketNumber}} ({{subject}}) is open.\n\n{{tenantName}}",
  perSenderHour: 5,
};

describe("R-IN-9 auto-acknowledgement template rendering", () => {
  it("fills every placeholder, tolerates spaces in braces and leaves unknown names as written", () => {
    const values = autoAckValues({
      ticketNumber: 42,
      subject: "VPN down",
      tenantName: "Acme IT",
      requesterName: "Jane",
    });
    expect(
      renderAutoAck(
        "{{ ticketNumber }}|{{subject}}|{{tenantName}}|{{requesterName}}|Hello{{requesterNameComma}}|{{nope}}",
        values,
      ),
    ).toBe("42|VPN down|Acme IT|Jane|Hello Jane,|{{nope}}");
    const nameless = autoAckValues({ ticketNumber: 1, subject: "s", tenantName: "t", requesterName: null });
    expect(renderAutoAck("Hello{{requesterNameComma}}", nameless)).toBe("Hello,");
  });
});

describe.each(testProviders())("R-IN-9 auto-acknowledgement settings on %s", (provider) => {
  let t: TestDatabase;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    tenantA = (await createTenant(t.db, { slug: "ack-alpha", name: "Alpha MSP" })).id;
    tenantB = (await createTenant(t.db, { slug: "ack-bravo", name: "Bravo MSP" })).id;
  });
  afterAll(async () => {
    await t.drop();
  });

  it("R-IN-9 a new tenant acknowledges by default, with the default subject and template and 3 per sender per hour", async () => {
    expect(await getAutoAckSettings(t.db, tenantB)).toEqual({
      enabled: true,
      subject: DEFAULT_ACK_SUBJECT,
      template: DEFAULT_ACK_TEMPLATE,
      perSenderHour: 3,
      subjectIsDefault: true,
      templateIsDefault: true,
      tenantName: "Bravo MSP",
    });
  });

  it("R-IN-9 saves the settings to the columns the inbound pipeline reads, for this tenant only", async () => {
    const saved = await updateAutoAckSettings(t.db, tenantA, {
      ...valid,
      enabled: false,
      subject: "  We got it: #{{ticketNumber}}  ",
    });
    expect(saved).toMatchObject({
      enabled: false,
      subject: valid.subject,
      template: valid.template,
      perSenderHour: 5,
      subjectIsDefault: false,
    });
    const row = await t.db.tenant.findUniqueOrThrow({ where: { id: tenantA } });
    expect(row).toMatchObject({
      autoAckEnabled: false,
      autoAckSubject: valid.subject,
      autoAckTemplate: valid.template,
      autoAckPerSenderHour: 5,
    });
    expect(await getAutoAckSettings(t.db, tenantA)).toEqual(saved);
    // Tenant isolation: the other tenant still has its defaults.
    const other = await t.db.tenant.findUniqueOrThrow({ where: { id: tenantB } });
    expect(other).toMatchObject({
      autoAckEnabled: true,
      autoAckSubject: null,
      autoAckTemplate: null,
      autoAckPerSenderHour: 3,
    });
  });

  it("R-IN-9 saving the default wording stores “use the default”; Windows line ends are normalised", async () => {
    const saved = await updateAutoAckSettings(t.db, tenantA, {
      ...valid,
      subject: DEFAULT_ACK_SUBJECT,
      template: DEFAULT_ACK_TEMPLATE.replace(/\n/g, "\r\n"),
    });
    expect(saved).toMatchObject({
      subject: DEFAULT_ACK_SUBJECT,
      template: DEFAULT_ACK_TEMPLATE,
      subjectIsDefault: true,
      templateIsDefault: true,
    });
    const row = await t.db.tenant.findUniqueOrThrow({ where: { id: tenantA } });
    expect(row.autoAckSubject).toBeNull();
    expect(row.autoAckTemplate).toBeNull();
  });

  it.each([
    ["subject", { subject: "Line one\r\nBcc: victim@example.com" }, /single line/],
    ["subject", { subject: "Re\nx" }, /single line/],
    ["subject", { subject: "x".repeat(201) }, /at most 200/],
    ["subject", { subject: "   " }, /Enter a subject/],
    ["template", { template: "x".repeat(5001) }, /at most 5000/],
    ["template", { template: "\n \n" }, /Enter the message/],
    ["perSenderHour", { perSenderHour: 0 }, /1 to 20/],
    ["perSenderHour", { perSenderHour: 21 }, /1 to 20/],
    ["perSenderHour", { perSenderHour: 2.5 }, /whole number/],
    ["subject", { subject: "Ticket {{ticketId}}" }, /Unknown placeholder \{\{ticketId\}\}/],
    [
      "template",
      { template: "Dear {{ firstName }}, see {{ticketNumber}} and {{link}} {{link}}" },
      /Unknown placeholder \{\{firstName\}\}, \{\{link\}\}\./,
    ],
  ] as const)("R-IN-9 refuses an invalid %s with BAD_INPUT on that field (%#)", async (field, change, message) => {
    const before = await t.db.tenant.findUniqueOrThrow({ where: { id: tenantA } });
    const err = await appError(updateAutoAckSettings(t.db, tenantA, { ...valid, ...change }));
    expect(err.code).toBe("BAD_INPUT");
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
    expect(await t.db.tenant.findUniqueOrThrow({ where: { id: tenantA } })).toEqual(before);
  });

  it("accepts the limits' edges: a 200-character subject, a 5000-character template, 1 and 20 per hour", async () => {
    await expect(
      updateAutoAckSettings(t.db, tenantA, { ...valid, subject: "s".repeat(200), perSenderHour: 1 }),
    ).resolves.toMatchObject({
      perSenderHour: 1,
    });
    await expect(
      updateAutoAckSettings(t.db, tenantA, { ...valid, template: "t".repeat(5000), perSenderHour: 20 }),
    ).resolves.toMatchObject({
      perSenderHour: 20,
    });
  });

  it("an unknown tenant is NOT_FOUND", async () => {
    expect((await appError(getAutoAckSettings(t.db, "no-such-tenant"))).code).toBe("NOT_FOUND");
    expect((await appError(updateAutoAckSettings(t.db, "no-such-tenant", valid))).code).toBe("NOT_FOUND");
  });
});
