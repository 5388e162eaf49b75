import { count, shortDay } from "./format";

type Bucket = { start: Date; pass: number; fail: number };

const WIDTH = 760;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 48 };

/** A ceiling for the axis: 1, 2 or 5 times a power of ten, at least the largest bar. */
function niceMax(value: number): number {
  if (value <= 0) return 10;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Messages per day (or week), passing and failing DMARC stacked; plain SVG, a title on each bar. */
export function VolumeChart({ series, bucket }: { series: Bucket[]; bucket: "day" | "week" }) {
  const max = niceMax(Math.max(0, ...series.map((b) => b.pass + b.fail)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, series.length);
  const barW = Math.max(1, Math.min(28, slot * 0.7));
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const ticks = [0, max / 4, max / 2, (max * 3) / 4, max];
  const labelEvery = Math.max(1, Math.ceil(series.length / 8));
  const total = series.reduce((s, b) => s + b.pass + b.fail, 0);

  return (
    <figure>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="h-auto w-full"
        role="img"
        aria-label={`Messages per ${bucket}: ${count(total)} in the period`}
        data-testid="dmarc-chart"
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} className="stroke-slate-200" strokeDasharray={t === 0 ? undefined : "3 3"} />
            <text x={PAD.left - 8} y={y(t) + 4} textAnchor="end" className="fill-slate-400 text-[10px]">
              {count(Math.round(t))}
            </text>
          </g>
        ))}
        {series.map((b, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const passTop = y(b.pass);
          const failTop = y(b.pass + b.fail);
          const label = `${bucket === "week" ? "Week of " : ""}${shortDay(b.start)}: ${count(b.pass)} passed, ${count(b.fail)} failed`;
          return (
            <g key={b.start.toString()}>
              <title>{label}</title>
              {b.pass > 0 ? <rect x={x} y={passTop} width={barW} height={y(0) - passTop} rx={1.5} className="fill-emerald-500" /> : null}
              {b.fail > 0 ? <rect x={x} y={failTop} width={barW} height={passTop - failTop} rx={1.5} className="fill-red-500" /> : null}
              {/* An invisible full-height target so the tooltip works on empty days too. */}
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={innerH} fill="transparent" />
              {i % labelEvery === 0 ? (
                <text x={x + barW / 2} y={HEIGHT - 8} textAnchor="middle" className="fill-slate-500 text-[10px]">
                  {shortDay(b.start)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-2 flex items-center gap-4 text-xs text-slate-600">
        <span className="inline-flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-emerald-500" aria-hidden /> DMARC pass
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-red-500" aria-hidden /> DMARC fail
        </span>
        <span className="text-slate-400">per {bucket}, by the start of each report&apos;s period (UTC)</span>
      </figcaption>
    </figure>
  );
}
