// Times drawing the report pictures (target: under 200 ms). Prints numbers and asserts nothing: timing does not
// belong in tests. Run: npm run bench:chart
import { drawHistoryChart, drawWeeklyChart } from '../../src/report/chart.ts';

const RUNS = 20;
const weekly = {
  title: 'Weekly report: Sun 15 Nov – Sat 21 Nov 2026',
  subtitle: 'Sunday to Sunday in Europe/Paris',
  days: ['Sun 15', 'Mon 16', 'Tue 17', 'Wed 18', 'Thu 19', 'Fri 20', 'Sat 21'].map((label, i) => ({
    label,
    peakStreams: 3 + ((i * 5) % 7),
    breaches: i % 3,
  })),
  downloaders: Array.from({ length: 15 }, (_, i) => ({
    name: `member ${i + 1}`,
    used: 20 - i,
    allotment: 10,
  })),
};
const history = {
  title: 'Your history',
  subtitle: 'Last 8 weeks',
  allotment: 5,
  weeks: Array.from({ length: 8 }, (_, i) => ({ label: `week ${i + 1}`, used: i, breaches: i % 3 })),
};

function time(name: string, draw: () => Buffer): void {
  const first = performance.now();
  draw();
  const cold = performance.now() - first;
  const times: number[] = [];
  // CPU time as well as wall time: on a shared machine the wall time mostly measures the other processes.
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    draw();
    times.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000 / RUNS;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]?.toFixed(1);
  console.log(
    `${name}: first ${cold.toFixed(1)} ms (fonts and warm-up), then median ${at(0.5)} ms, p90 ${at(0.9)} ms over ${RUNS}; CPU ${cpuMs.toFixed(1)} ms a drawing`,
  );
}

time('weekly report chart (7 days, 15 members)', () => drawWeeklyChart(weekly));
time('history chart (8 weeks)', () => drawHistoryChart(history));
