// Draws the report pictures in the process: Chart.js on @napi-rs/canvas (Skia, a prebuilt binary from npm), with
// the Inter font shipped by @fontsource/inter, so there is no browser, no network and no system font to rely on.
// Every picture has its own opaque light card, so it reads the same in Discord's light and dark themes.
import { channel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { type Canvas, createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import {
  type ChartConfiguration,
  Chart as ChartJs,
  type ChartType,
  type Plugin,
  registerables,
} from 'chart.js';

import { type Language, translator } from '../i18n/index.ts';

ChartJs.register(...registerables);

/**
 * Each chart's Chart.js configuration is published here just before it is drawn (`{ config }`), so its words can be
 * checked without reading pixels (tests subscribe; nothing is published without a subscriber).
 */
export const chartConfigs = channel('streamwarden:chart-config');

const FONT = 'Inter';
let fontsReady = false;
function registerFonts(): void {
  if (fontsReady) return;
  const require = createRequire(import.meta.url);
  for (const weight of ['400', '700']) {
    for (const subset of ['latin', 'latin-ext']) {
      GlobalFonts.registerFromPath(
        require.resolve(`@fontsource/inter/files/inter-${subset}-${weight}-normal.woff2`),
        FONT,
      );
    }
  }
  ChartJs.defaults.font.family = `${FONT}, sans-serif`;
  ChartJs.defaults.font.size = 15;
  ChartJs.defaults.color = PALETTE.text;
  ChartJs.defaults.borderColor = PALETTE.grid;
  fontsReady = true;
}

/** High-contrast colours on a light card (WCAG AA against the background for text). */
export const PALETTE = {
  background: '#ffffff',
  border: '#d0d7de',
  text: '#1f2328',
  muted: '#57606a',
  grid: '#e6e9ed',
  streams: '#2563eb',
  breaches: '#7c3aed',
  downloads: '#0f766e',
  over: '#dc2626',
  allotment: '#9ca3af',
} as const;

const WIDTH = 1000;
const PAD = 24;

/** Writes each bar's value above (or beside) it, so the figures read without the axis. */
const valueLabels: Plugin = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    const horizontal = chart.options.indexAxis === 'y';
    ctx.save();
    ctx.font = `700 13px ${FONT}`;
    ctx.fillStyle = PALETTE.text;
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden || meta.type === 'line') return;
      meta.data.forEach((bar, j) => {
        const value = dataset.data[j];
        if (typeof value !== 'number') return;
        const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
        if (horizontal) {
          ctx.textAlign = 'left';
          ctx.textBaseline = 'middle';
          ctx.fillText(String(value), x + 6, y);
        } else {
          ctx.textAlign = 'center';
          ctx.textBaseline = 'bottom';
          ctx.fillText(String(value), x, y - 4);
        }
      });
    });
    ctx.restore();
  },
};

/** Renders one chart and copies it onto `target` at (x, y) (destroying a chart clears its own canvas). */
function drawChart<T extends ChartType>(
  target: SKRSContext2D,
  x: number,
  y: number,
  width: number,
  height: number,
  config: ChartConfiguration<T>,
): void {
  if (chartConfigs.hasSubscribers) chartConfigs.publish({ config });
  const canvas = createCanvas(width, height);
  const chart = new ChartJs(
    canvas as unknown as HTMLCanvasElement,
    {
      ...config,
      options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
      plugins: [...(config.plugins ?? []), valueLabels as Plugin<T>],
    } as ChartConfiguration<T>,
  );
  target.drawImage(canvas, x, y);
  chart.destroy();
}

/** Integer axis starting at 0 with a little head room for the value labels. */
function countAxis(title: string, max: number) {
  return {
    beginAtZero: true,
    suggestedMax: Math.max(2, Math.ceil(max * 1.15)),
    ticks: { precision: 0 },
    title: { display: true, text: title, color: PALETTE.muted },
  };
}

function card(height: number, title: string, subtitle: string): { canvas: Canvas; ctx: SKRSContext2D } {
  const canvas = createCanvas(WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = PALETTE.background;
  ctx.fillRect(0, 0, WIDTH, height);
  ctx.strokeStyle = PALETTE.border;
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, WIDTH - 2, height - 2);
  ctx.fillStyle = PALETTE.text;
  ctx.textBaseline = 'top';
  ctx.font = `700 26px ${FONT}`;
  ctx.fillText(title, PAD, PAD);
  ctx.fillStyle = PALETTE.muted;
  ctx.font = `400 16px ${FONT}`;
  ctx.fillText(subtitle, PAD, PAD + 36);
  return { canvas, ctx };
}

function sectionTitle(ctx: SKRSContext2D, text: string, y: number): void {
  ctx.fillStyle = PALETTE.text;
  ctx.font = `700 18px ${FONT}`;
  ctx.textBaseline = 'top';
  ctx.fillText(text, PAD, y);
}

const shorten = (name: string, max = 22) => (name.length > max ? `${name.slice(0, max - 1)}…` : name);

export interface WeeklyChartData {
  title: string;
  subtitle: string;
  /** The words and figures in the community's language (the report is posted in the admins' channel). */
  lang?: Language;
  days: Array<{ label: string; peakStreams: number; breaches: number }>;
  downloaders: Array<{ name: string; used: number; allotment: number }>;
}

/** The weekly report: per day, peak simultaneous streams and breaches; then downloads against allotments. */
export function drawWeeklyChart(data: WeeklyChartData): Buffer {
  registerFonts();
  const dailyHeight = 380;
  const rows = Math.max(1, data.downloaders.length);
  const downloadsHeight = 90 + rows * 34;
  const top = PAD + 72;
  const height = top + 34 + dailyHeight + 40 + downloadsHeight + PAD;
  const { canvas, ctx } = card(height, data.title, data.subtitle);
  const t = translator(data.lang ?? 'en');

  sectionTitle(ctx, t('report.chart.perDay'), top);
  const maxDaily = Math.max(...data.days.map((d) => Math.max(d.peakStreams, d.breaches)), 0);
  drawChart(ctx, PAD, top + 34, WIDTH - 2 * PAD, dailyHeight, {
    type: 'bar',
    data: {
      labels: data.days.map((d) => d.label),
      datasets: [
        {
          label: t('report.chart.peakStreams'),
          data: data.days.map((d) => d.peakStreams),
          backgroundColor: PALETTE.streams,
        },
        {
          label: t('report.chart.breaches'),
          data: data.days.map((d) => d.breaches),
          backgroundColor: PALETTE.breaches,
        },
      ],
    },
    options: {
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 18 } } },
      scales: { y: countAxis(t('report.chart.count'), maxDaily), x: { grid: { display: false } } },
    },
  });

  const downloadsTop = top + 34 + dailyHeight + 40;
  sectionTitle(ctx, t('report.chart.downloadsTop', { count: data.downloaders.length }), downloadsTop);
  if (data.downloaders.length === 0) {
    ctx.fillStyle = PALETTE.muted;
    ctx.font = `400 16px ${FONT}`;
    ctx.fillText(t('report.chart.nobody'), PAD, downloadsTop + 40);
  } else {
    const maxDownloads = Math.max(...data.downloaders.map((d) => Math.max(d.used, d.allotment)));
    drawChart(ctx, PAD, downloadsTop + 34, WIDTH - 2 * PAD, downloadsHeight - 34, {
      type: 'bar',
      data: {
        labels: data.downloaders.map((d) => shorten(d.name)),
        datasets: [
          {
            label: t('report.chart.downloads'),
            data: data.downloaders.map((d) => d.used),
            backgroundColor: data.downloaders.map((d) =>
              d.used > d.allotment ? PALETTE.over : PALETTE.downloads,
            ),
          },
          {
            label: t('report.chart.allotment'),
            data: data.downloaders.map((d) => d.allotment),
            backgroundColor: PALETTE.allotment,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 18 } } },
        scales: {
          x: countAxis(t('report.chart.downloadsAxis'), maxDownloads),
          y: { grid: { display: false } },
        },
      },
    });
  }
  return canvas.toBuffer('image/png');
}

export interface HistoryChartData {
  title: string;
  subtitle: string;
  weeks: Array<{ label: string; used: number; breaches: number }>;
  allotment: number;
  /** The legend and the axis in the reader's language; English when left out. */
  legend?: { downloads: string; breaches: string; allotment: string; axis: string };
}

/** A member's last weeks: downloads per week against the (current) allotment, and breaches per week. */
export function drawHistoryChart(data: HistoryChartData): Buffer {
  registerFonts();
  const chartHeight = 340;
  const top = PAD + 72;
  const height = top + chartHeight + PAD;
  const { canvas, ctx } = card(height, data.title, data.subtitle);
  const max = Math.max(data.allotment, ...data.weeks.map((w) => Math.max(w.used, w.breaches)));
  drawChart(ctx, PAD, top, WIDTH - 2 * PAD, chartHeight, {
    type: 'bar',
    data: {
      labels: data.weeks.map((w) => w.label),
      datasets: [
        {
          type: 'bar',
          label: data.legend?.downloads ?? 'Downloads (red: over the allotment)',
          data: data.weeks.map((w) => w.used),
          backgroundColor: data.weeks.map((w) =>
            w.used > data.allotment ? PALETTE.over : PALETTE.downloads,
          ),
        },
        {
          type: 'bar',
          label: data.legend?.breaches ?? 'Breaches',
          data: data.weeks.map((w) => w.breaches),
          backgroundColor: PALETTE.breaches,
        },
        {
          type: 'line',
          label: data.legend?.allotment ?? `Allotment (${data.allotment})`,
          data: data.weeks.map(() => data.allotment),
          borderColor: PALETTE.muted,
          borderDash: [8, 6],
          borderWidth: 2,
          pointRadius: 0,
        },
      ] as ChartConfiguration<'bar'>['data']['datasets'],
    },
    options: {
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 18 } } },
      scales: { y: countAxis(data.legend?.axis ?? 'count', max), x: { grid: { display: false } } },
    },
  });
  return canvas.toBuffer('image/png');
}
