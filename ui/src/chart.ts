import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './html.js';

const COLOURS = ['#0b6bcb', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4d4d4d'];

export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** A line chart (uPlot) of series over x; `logX` for volumes, `time` for epoch seconds. */
export function Chart(props: {
  x: readonly number[];
  series: readonly Series[];
  title: string;
  yLabel: string;
  logX?: boolean;
  /** A log y axis: ratios that span orders of magnitude (the crossover's). */
  logY?: boolean;
  time?: boolean;
  marker?: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(320, el.current.clientWidth);
    const plot = new uPlot(
      {
        title: props.title,
        width,
        height: 260,
        scales: {
          x: { time: props.time ?? false, ...(props.logX ? { distr: 3 } : {}) },
          ...(props.logY ? { y: { distr: 3 } } : {}),
        },
        axes: [{}, { label: props.yLabel, size: 70 }],
        series: [
          {},
          ...props.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2 })),
        ],
        hooks: props.marker === undefined ? {} : { draw: [(u: uPlot) => drawMarker(u, props.marker as number)] },
      },
      [props.x as number[], ...props.series.map((s) => s.values as number[])],
      el.current,
    );
    return () => plot.destroy();
  }, [props.x, props.series, props.title]);
  return html`<div class="chart" ref=${el} role="img" aria-label=${props.title}></div>`;
}

/** A vertical line at x (the volume the gateway is at now). */
function drawMarker(u: uPlot, x: number): void {
  const left = u.valToPos(x, 'x', true);
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = '#1b1f24';
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(left, u.bbox.top);
  ctx.lineTo(left, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}
