"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { ArrowDownLeft, ArrowUpRight, Inbox, Search } from "lucide-react";
import { useState, type FormEvent } from "react";
import { SCAN_WINDOW } from "@/server/activity/list-activity";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { controlClass } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { ActivityChart } from "./activity-chart";
import { ActivityDetail } from "./activity-detail";
import { formatWhen, OUTCOME_LABEL, OUTCOME_TONE, OUTCOMES, type Outcome } from "./outcome";
import { RetentionCard } from "./retention-card";

type Direction = "INBOUND" | "OUTBOUND";
type Form = {
  direction: "" | Direction;
  outcome: "" | Outcome;
  fromDate: string;
  toDate: string;
  address: string;
  addressMatch: "exact" | "prefix";
  addressField: "any" | "from" | "to";
  subject: string;
};
const EMPTY: Form = { direction: "", outcome: "", fromDate: "", toDate: "", address: "", addressMatch: "exact", addressField: "any", subject: "" };
const FIELDS = ["to", "address", "subject"] as const;

/** A yyyy-mm-dd from a date input as the start of that day in the viewer's time zone. */
function localDay(value: string, plusDays = 0): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays) : undefined;
}

function toInput(f: Form) {
  const from = localDay(f.fromDate);
  // The "to" day is included: the range ends at the start of the next day.
  const to = localDay(f.toDate, 1);
  return {
    ...(f.direction ? { messageDirection: f.direction } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(f.address.trim() ? { address: f.address.trim(), addressMatch: f.addressMatch, addressField: f.addressField } : {}),
    ...(f.subject.trim() ? { subject: f.subject.trim() } : {}),
  };
}

const selectClass = `${controlClass} ring-slate-300 focus:ring-indigo-500 pr-8`;
const label = "block text-xs font-medium text-slate-600 mb-1";

/** R-ACT-1/2: every inbound and outbound message, filtered and paged, with a detail panel and a volume chart. */
export function ActivityScreen() {
  const trpc = useTRPC();
  const [form, setForm] = useState<Form>(EMPTY);
  const [applied, setApplied] = useState<Form>(EMPTY);
  const [openId, setOpenId] = useState<string | null>(null);
  const input = toInput(applied);
  const list = useInfiniteQuery(
    trpc.activity.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const errors = formErrorsOf(list.error, FIELDS);
  const rows = list.data?.pages.flatMap((p) => p.rows) ?? [];
  const lastPage = list.data?.pages.at(-1);
  const filtered = Object.keys(input).length > 0;
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));

  function submit(e: FormEvent) {
    e.preventDefault();
    setApplied(form);
  }

  return (
    <>
      <PageHeader
        title="Activity"
        description="Every message the gateway received or sent, and what happened to it. Click a row for its authentication verdicts, headers and delivery detail."
      />
      <ActivityChart />

      <section aria-label="Filters" className="mb-4">
        <Card className="px-5 py-4">
          <form onSubmit={submit} noValidate className="space-y-3">
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
              <div>
                <label htmlFor="f-direction" className={label}>Direction</label>
                <select id="f-direction" className={selectClass} value={form.direction} onChange={(e) => set({ direction: e.target.value as Form["direction"] })}>
                  <option value="">Inbound and outbound</option>
                  <option value="INBOUND">Inbound</option>
                  <option value="OUTBOUND">Outbound</option>
                </select>
              </div>
              <div>
                <label htmlFor="f-outcome" className={label}>Outcome</label>
                <select id="f-outcome" className={selectClass} value={form.outcome} onChange={(e) => set({ outcome: e.target.value as Form["outcome"] })}>
                  <option value="">Any outcome</option>
                  {OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {OUTCOME_LABEL[o]}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label htmlFor="f-from" className={label}>From date</label>
                <input id="f-from" type="date" className={selectClass} value={form.fromDate} onChange={(e) => set({ fromDate: e.target.value })} />
              </div>
              <div>
                <label htmlFor="f-to" className={label}>To date (included)</label>
                <input
                  id="f-to"
                  type="date"
                  className={selectClass}
                  value={form.toDate}
                  aria-invalid={Boolean(errors.fields.to)}
                  aria-describedby={errors.fields.to ? "f-to-error" : undefined}
                  onChange={(e) => set({ toDate: e.target.value })}
                />
                {errors.fields.to ? (
                  <p id="f-to-error" role="alert" className="mt-1 text-sm text-red-600">
                    {errors.fields.to}
                  </p>
                ) : null}
              </div>
            </div>
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
              <div className="lg:col-span-2">
                <label htmlFor="f-address" className={label}>Address</label>
                <div className="flex flex-wrap gap-2 sm:flex-nowrap">
                  <div className="w-28 shrink-0">
                    <select aria-label="Address field" className={selectClass} value={form.addressField} onChange={(e) => set({ addressField: e.target.value as Form["addressField"] })}>
                      <option value="any">Either</option>
                      <option value="from">From</option>
                      <option value="to">To</option>
                    </select>
                  </div>
                  <div className="w-36 shrink-0">
                    <select aria-label="Address match" className={selectClass} value={form.addressMatch} onChange={(e) => set({ addressMatch: e.target.value as Form["addressMatch"] })}>
                      <option value="exact">is exactly</option>
                      <option value="prefix">starts with</option>
                    </select>
                  </div>
                  <div className="min-w-0 flex-1 basis-full sm:basis-0">
                    <input
                      id="f-address"
                      type="search"
                      spellCheck={false}
                      autoComplete="off"
                      placeholder="alice@client.example"
                      className={selectClass}
                      value={form.address}
                      aria-invalid={Boolean(errors.fields.address)}
                      onChange={(e) => set({ address: e.target.value })}
                    />
                  </div>
                </div>
                {errors.fields.address ? <p role="alert" className="mt-1 text-sm text-red-600">{errors.fields.address}</p> : null}
              </div>
              <div className="lg:col-span-2">
                <label htmlFor="f-subject" className={label}>Subject contains</label>
                <input
                  id="f-subject"
                  type="search"
                  placeholder="printer"
                  className={selectClass}
                  value={form.subject}
                  aria-invalid={Boolean(errors.fields.subject)}
                  onChange={(e) => set({ subject: e.target.value })}
                />
                {errors.fields.subject ? <p role="alert" className="mt-1 text-sm text-red-600">{errors.fields.subject}</p> : null}
              </div>
            </div>
            <div className="flex flex-wrap items-center gap-3 pt-1">
              <Button type="submit">
                <Search className="size-4" aria-hidden />
                Apply filters
              </Button>
              <Button
                variant="ghost"
                disabled={!filtered && form === EMPTY}
                onClick={() => {
                  setForm(EMPTY);
                  setApplied(EMPTY);
                }}
              >
                Clear
              </Button>
              <p className="text-xs text-slate-500">
                An exact address searches the whole log at once. A subject search or an address prefix looks through {SCAN_WINDOW.toLocaleString("en-GB")} messages at a time.
              </p>
            </div>
          </form>
        </Card>
      </section>

      {list.isError && errors.form ? <Alert>Could not load the activity: {errors.form}</Alert> : null}
      {list.isError && !errors.form ? (
        // B7: a filter the server refused (an inverted date range) is named inline above; the list says why it is empty.
        <Card className="px-6 py-12 text-center">
          <h2 className="text-sm font-semibold text-slate-900">These filters cannot be applied</h2>
          <p className="mx-auto mt-1 max-w-md text-sm text-slate-600">
            Correct the {Object.keys(errors.fields).length === 1 ? "field" : "fields"} marked above and apply the filters again, or clear
            them to see all messages.
          </p>
          <Button
            variant="secondary"
            className="mt-4"
            onClick={() => {
              setForm(EMPTY);
              setApplied(EMPTY);
            }}
          >
            Clear filters
          </Button>
        </Card>
      ) : null}
      {list.isPending ? <ListSkeleton /> : null}
      {list.data && rows.length === 0 && !lastPage?.scan ? (
        filtered ? (
          <Card className="px-6 py-12 text-center">
            <p className="text-sm text-slate-600">No messages match these filters.</p>
          </Card>
        ) : (
          <Card className="px-6 py-14 text-center">
            <Inbox className="mx-auto size-10 text-slate-300" aria-hidden />
            <h2 className="mt-3 text-sm font-semibold text-slate-900">No mail yet</h2>
            <p className="mx-auto mt-1 max-w-sm text-sm text-slate-500">
              Every message the gateway receives or sends will be listed here, with what happened to it.
            </p>
          </Card>
        )
      ) : null}
      {list.data && (rows.length > 0 || lastPage?.scan) ? (
        <Card className="overflow-hidden">
          <div className="overflow-x-auto">
            <table className="w-full min-w-[44rem] table-fixed divide-y divide-slate-200 text-sm" aria-label="Activity">
              <thead className="bg-slate-50">
                <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                  <th scope="col" className="w-52 px-4 py-3">Time</th>
                  <th scope="col" className="w-[30%] px-4 py-3">From → To</th>
                  <th scope="col" className="px-4 py-3">Subject</th>
                  <th scope="col" className="w-44 px-4 py-3">Outcome</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((r) => (
                  <tr
                    key={r.id}
                    data-testid="activity-row"
                    className="cursor-pointer hover:bg-slate-50"
                    onClick={() => setOpenId(r.id)}
                  >
                    <td className="px-4 py-3 whitespace-nowrap text-slate-600">
                      <span className="inline-flex items-center gap-1.5">
                        {r.direction === "INBOUND" ? (
                          <ArrowDownLeft className="size-4 text-sky-600" aria-label="Inbound" />
                        ) : (
                          <ArrowUpRight className="size-4 text-violet-600" aria-label="Outbound" />
                        )}
                        {formatWhen(r.createdAt)}
                      </span>
                    </td>
                    <td className="px-4 py-3">
                      <div className="truncate text-slate-900">{r.fromAddress ?? "—"}</div>
                      <div className="truncate text-xs text-slate-500">→ {r.toAddress ?? "—"}</div>
                    </td>
                    <td className="px-4 py-3">
                      <button
                        type="button"
                        className="block max-w-full truncate text-left font-medium text-slate-900 hover:text-indigo-600 focus:text-indigo-600 focus:outline-none"
                        onClick={(e) => {
                          e.stopPropagation();
                          setOpenId(r.id);
                        }}
                      >
                        {r.subject || "(no subject)"}
                      </button>
                    </td>
                    <td className="px-4 py-3">
                      <Badge tone={OUTCOME_TONE[r.outcome]}>{OUTCOME_LABEL[r.outcome]}</Badge>
                      {r.reason && r.outcome !== "DELIVERED" ? (
                        <div className="mt-1 truncate text-xs text-slate-500" title={r.reason} data-testid="activity-reason">
                          {r.reason}
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
                {rows.length === 0 ? (
                  <tr>
                    <td colSpan={4} className="px-4 py-8 text-center text-sm text-slate-600">
                      No matches among the newest messages searched so far. Search older messages to carry on.
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
          <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 bg-slate-50 px-4 py-2.5 text-xs text-slate-500">
            <span>
              {rows.length} {rows.length === 1 ? "message" : "messages"} shown
              {lastPage?.scan ? ` · searched back to ${formatWhen(lastPage.scan.scannedBackTo)}` : ""}
            </span>
            {list.hasNextPage ? (
              <Button variant="secondary" size="sm" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {list.isFetchingNextPage ? "Loading…" : lastPage?.scan ? "Search older messages" : "Load older"}
              </Button>
            ) : (
              <span>{filtered ? "No older matches." : "That is everything."}</span>
            )}
          </div>
        </Card>
      ) : null}

      <RetentionCard />
      {openId ? <ActivityDetail id={openId} onClose={() => setOpenId(null)} /> : null}
    </>
  );
}

function ListSkeleton() {
  return (
    <Card className="divide-y divide-slate-100 overflow-hidden" aria-busy>
      <span className="sr-only">Loading the activity…</span>
      {[0, 1, 2, 3, 4].map((i) => (
        <div key={i} className="flex animate-pulse items-center gap-6 px-4 py-4">
          <div className="h-3.5 w-36 rounded bg-slate-200" />
          <div className="h-3.5 w-48 rounded bg-slate-100" />
          <div className="h-3.5 w-64 rounded bg-slate-100" />
          <div className="h-3.5 w-16 rounded bg-slate-200" />
        </div>
      ))}
    </Card>
  );
}
