/**
 * The Tickets list's filters as they stand in the URL (`?status=&client=&requester=&assignee=&automated=&q=`),
 * and the query a filter change navigates to. Plain functions (no React), so the rules are unit-tested:
 * test/web/tickets-list-filters.test.ts.
 */
import type { TicketStatus } from "./ticket-bits";

export type Kind = "" | "only" | "exclude";
export type Filters = { status: TicketStatus; client: string; requester: string; assignee: string; automated: Kind; q: string };

export const TABS: TicketStatus[] = ["OPEN", "PENDING", "CLOSED"];

export function readKind(value: string | null): Kind {
  return value === "only" || value === "exclude" ? value : "";
}

export function readFilters(params: URLSearchParams): Filters {
  const status = params.get("status")?.toUpperCase();
  return {
    status: TABS.includes(status as TicketStatus) ? (status as TicketStatus) : "OPEN",
    client: params.get("client") ?? "",
    requester: params.get("requester") ?? "",
    assignee: params.get("assignee") ?? "",
    automated: readKind(params.get("automated")),
    q: params.get("q") ?? "",
  };
}

/** The URL query of `f` ("" for the defaults), in one canonical order. */
export function filtersQuery(f: Filters): string {
  const params = new URLSearchParams();
  if (f.status !== "OPEN") params.set("status", f.status.toLowerCase());
  for (const key of ["client", "requester", "assignee", "automated", "q"] as const) if (f[key]) params.set(key, f[key]);
  const query = params.toString();
  return query ? `?${query}` : "";
}

/**
 * Builds each filter change on the newest filters, not on the ones the page rendered with. A change is a
 * navigation that reaches the URL only after the server has answered it, so two quick changes (a tab, then a
 * client; a cleared search, then a tab) would otherwise each start from the same old URL and the second would
 * undo the first. The navigator remembers the query it last asked for until the URL shows it.
 *
 * `location` reads the current query string (`window.location.search`).
 */
export function createFilterNavigator(location: () => string) {
  let pending: string | null = null;
  const canonical = (search: string) => filtersQuery(readFilters(new URLSearchParams(search)));
  return {
    /** The filters a change builds on: the pending navigation's, else the URL's. */
    current(): Filters {
      return readFilters(new URLSearchParams(pending ?? location()));
    },
    /** The query for `change` applied to the newest filters; remembered as pending. */
    next(change: Partial<Filters>): string {
      const query = filtersQuery({ ...this.current(), ...change });
      pending = query;
      return query;
    },
    /** The URL changed: once it shows the pending query, the URL is the newest again. */
    arrived(): void {
      if (pending !== null && canonical(location()) === canonical(pending)) pending = null;
    },
    /** Back or Forward: the URL the browser went to wins over anything pending. */
    reset(): void {
      pending = null;
    },
  };
}
