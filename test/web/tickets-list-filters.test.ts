/**
 * R-TKT-1 (the Tickets list's filters live in the URL): quick successive filter changes never drop each other.
 * A change is a navigation that reaches the URL only once the server has answered; each change must build on
 * the one before it, not on the URL the page rendered with.
 */
import { describe, expect, it } from "vitest";
import { createFilterNavigator, filtersQuery, readFilters } from "../../components/tickets/list-filters";

/** A browser location that moves only when the test says a navigation arrived. */
function browser(initial = "") {
  let search = initial;
  const navigator = createFilterNavigator(() => search);
  return {
    navigator,
    arrive(query: string) {
      search = query;
      navigator.arrived();
    },
  };
}

describe("R-TKT-1 Tickets list filter navigation", () => {
  it("reads and writes the filters in one canonical query", () => {
    const f = readFilters(new URLSearchParams("?q=printer&status=closed&client=c1&automated=bogus"));
    expect(f).toEqual({ status: "CLOSED", client: "c1", requester: "", assignee: "", automated: "", q: "printer" });
    expect(filtersQuery(f)).toBe("?status=closed&client=c1&q=printer");
    expect(filtersQuery(readFilters(new URLSearchParams("")))).toBe("");
  });

  it("builds a second change on the first while the first has not reached the URL", () => {
    const b = browser("?q=printer");
    expect(b.navigator.next({ q: "" })).toBe("");
    // The URL still says ?q=printer: the tab must not bring the search back.
    expect(b.navigator.next({ status: "CLOSED" })).toBe("?status=closed");
    expect(b.navigator.next({ client: "c1" })).toBe("?status=closed&client=c1");
    // An earlier navigation arriving late does not make the navigator forget the newer one.
    b.arrive("");
    expect(b.navigator.next({ assignee: "u1" })).toBe("?status=closed&client=c1&assignee=u1");
    b.arrive("?status=closed&client=c1&assignee=u1");
    expect(b.navigator.current()).toMatchObject({ status: "CLOSED", client: "c1", assignee: "u1" });
  });

  it("follows the URL once the pending change arrived, and after Back or Forward", () => {
    const b = browser();
    b.navigator.next({ status: "PENDING" });
    b.arrive("?status=pending");
    // A link elsewhere on the page (say, the menu's Tickets) changes the URL: the next change builds on it.
    b.arrive("?client=c2");
    expect(b.navigator.next({ requester: "r1" })).toBe("?client=c2&requester=r1");
    // Back while a change is on its way: the browser's URL wins.
    b.navigator.reset();
    b.arrive("?status=closed");
    expect(b.navigator.next({ automated: "only" })).toBe("?status=closed&automated=only");
  });
});
