import { formatDate } from "../ui/format-date";

/** Inbound ticket mail per UTC day for the last 14 days (R-HEALTH-3): plain SVG bars with a title each. */
const WIDTH = 560;
const HEIGHT = 140;
const PAD = { top: 8, right: 8, bottom: 22, left: 32 };

export function InboundChart({ perDay }: { perDay: { day: string; count: number }[] }) {
  const max = Math.max(4, ...perDay.map((d) => d.count));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, perDay.length);
  const barW = Math.min(24, slot * 0.7);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const total = perDay.reduce((s, d) => s + d.count, 0);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" role="img" aria-label={`Inbound mail, last 14 days: ${total} messages`}>
      {[0, max / 2, max].map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} className="stroke-slate-200" strokeDasharray={t ? "3 3" : undefined} />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="fill-slate-400 text-[10px]">
            {Math.round(t)}
          </text>
        </g>
      ))}
      {perDay.map((d, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        const label = formatDate(`${d.day}T00:00:00Z`, "utcDayMonth");
        return (
          <g key={d.day}>
            <title>{`${label}: ${d.count} message${d.count === 1 ? "" : "s"}`}</title>
            {d.count > 0 ? <rect x={x} y={y(d.count)} width={barW} height={y(0) - y(d.count)} rx={1.5} className="fill-indigo-500" /> : null}
            <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={innerH} fill="transparent" />
            {i % 2 === 0 ? (
              <text x={x + barW / 2} y={HEIGHT - 6} textAnchor="middle" className="fill-slate-500 text-[10px]">
                {label}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
