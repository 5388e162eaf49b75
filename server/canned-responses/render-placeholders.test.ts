/** R-UX-3 canned responses: the one placeholder module, as validation and as insertion use it. */
import { describe, expect, it } from "vitest";
import {
  placeholderProblem,
  renderPlaceholders,
  unknownPlaceholders,
  type PlaceholderContext,
} from "./render-placeholders";

const context: PlaceholderContext = {
  requester: { name: "Zoë Ångström-Müller", email: "zoe@contoso.example" },
  ticket: { number: 1042, subject: "Printer offline" },
  technician: { name: "Tess Tech", email: "tess@msp.example" },
  client: { name: "Contoso" },
};

describe("render-placeholders", () => {
  it("R-UX-3 fills every known placeholder, spaces inside the braces allowed, Unicode names intact", () => {
    const body =
      "Hi {{requester.firstName}}, ({{ requester.name }}, {{requester.email}})\n" +
      "Ticket #{{ticket.number}} “{{ticket.subject}}” for {{client.name}}.\n— {{technician.name}} / {{technician.firstName}} <{{technician.email}}>";
    expect(renderPlaceholders(body, context)).toBe(
      "Hi Zoë, (Zoë Ångström-Müller, zoe@contoso.example)\n" +
        "Ticket #1042 “Printer offline” for Contoso.\n— Tess Tech / Tess <tess@msp.example>",
    );
  });

  it("R-UX-3 missing values read as empty, a name falls back to the address", () => {
    const bare: PlaceholderContext = { ...context, requester: { name: null, email: "x@y.example" }, client: null };
    expect(renderPlaceholders("Hi {{requester.firstName}}|{{requester.name}}|{{client.name}}", bare)).toBe(
      "Hi |x@y.example|",
    );
    expect(renderPlaceholders("{{requester.name}}", { ...context, requester: null })).toBe("");
  });

  it("R-UX-3 unknown placeholders are found once each and named in the message; known ones pass", () => {
    const body = "{{requester.firstname}} {{ ticket.id }} {{requester.firstname}} {{ticket.number}} {{}} {{__proto__}}";
    expect(unknownPlaceholders(body)).toEqual(["requester.firstname", "ticket.id", "", "__proto__"]);
    expect(placeholderProblem(body)).toBe(
      "Unknown placeholders: {{requester.firstname}}, {{ticket.id}}, {{}}, {{__proto__}}. Use one of the placeholders listed below.",
    );
    expect(placeholderProblem("Hello {{requester.name}}, plain {braces} stay.")).toBeNull();
    // An unknown placeholder is never filled in (nor does it throw) when rendering.
    expect(renderPlaceholders("{{constructor}} {{ticket.number}}", context)).toBe("{{constructor}} 1042");
  });
});
