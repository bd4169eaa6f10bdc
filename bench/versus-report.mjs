#!/usr/bin/env node
// Compares the versus benchmark's reports of ours against lobby-floor and partyserver over
// several runs.
//
// Reads  <dir>/run-<k>/<target>.json (k = 1, 2, …; target = ours | lobby-floor | partyserver,
//        any may be missing), <dir>/run-<k>/order.txt (the order the targets ran, optional)
//        and <dir>/meta.txt (free text, optional).
// Writes <out>/summary.md (also printed to stdout) and <out>/chart.svg; <out> defaults to <dir>.
//
//   node bench/versus-report.mjs <dir> [--out <dir>] [--round-ms 1000] [--memory-from <dir>]
//
// --memory-from draws the chart's memory panel from another set of runs (one that held
// idle connections on a fresh server) while matches/s comes from <dir>.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TARGETS = ['ours', 'lobby-floor', 'partyserver'];
const PEERS = ['lobby-floor', 'partyserver'];
const COLOURS = { ours: '#e8590c', 'lobby-floor': '#1c7ed6', partyserver: '#2b8a3e' };

/** The figures of the table, by section, in the order they are shown. */
const FIGURES_BY_SECTION = {
  vs_burst: [
    'clients', 'matched_rooms', 'span_s', 'matches_per_s', 'server_cpu_s',
    'server_cpu_ms_per_match', 'server_cpu_ms_per_match_workerd', 'time_to_start_p50_ms',
    'time_to_start_p99_ms', 'steal_pct',
  ],
  vs_idle: [
    'conns', 'connected', 'hold_s', 'mem_per_conn_kb_up', 'mem_per_conn_kb_held',
    'mem_per_conn_kb_user_up', 'mem_per_conn_kb_user_held', 'server_cpu_pct_all',
    'server_cpu_pct_hold', 'server_cpu_pct_settled', 'server_cpu_pct_settled_workerd',
    'steal_pct',
  ],
  vs_rounds: [
    'rooms', 'results', 'choices_in_time', 'choices_refused', 'had_p1_ms', 'had_p50_ms',
    'had_min_ms', 'lateness_p50_ms', 'lateness_p99_ms', 'lateness_min_ms',
    'start_skew_p50_ms', 'start_skew_p99_ms', 'server_cpu_ms_per_round', 'steal_pct',
  ],
};
const FIGURE_KEYS = Object.entries(FIGURES_BY_SECTION).flatMap(([section, keys]) =>
  keys.map((key) => `${section}.${key}`),
);
const MATCHES_PER_S = 'vs_burst.matches_per_s';
const MEM_PER_CONN = 'vs_idle.mem_per_conn_kb_up';

/** The issue's targets that compare ours with a peer in the same run. */
const RATIO_TARGETS = [
  { what: 'matches/s', key: MATCHES_PER_S, peer: 'partyserver', atLeast: 1.2 },
  { what: 'matches/s', key: MATCHES_PER_S, peer: 'lobby-floor', atLeast: 0.6 },
  { what: 'memory per idle connection', key: MEM_PER_CONN, peer: 'partyserver', atMost: 1.0 },
  { what: 'memory per idle connection', key: MEM_PER_CONN, peer: 'lobby-floor', atMost: 1.5 },
  { what: 'idle CPU (whole hold)', key: 'vs_idle.server_cpu_pct_hold', peer: 'lobby-floor', atMost: 1.5 },
  { what: 'idle CPU (second half of the hold)', key: 'vs_idle.server_cpu_pct_settled', peer: 'lobby-floor', atMost: 1.5 },
  { what: 'result lateness p99', key: 'vs_rounds.lateness_p99_ms', peer: 'lobby-floor', atMost: 1.5 },
];

// ---------------------------------------------------------------------------------------
// Arguments and input

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node bench/versus-report.mjs <dir> [--out <dir>] [--round-ms 1000] [--memory-from <dir>]');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { dir: null, out: null, roundMs: 1000, memoryFrom: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' || arg === '--round-ms' || arg === '--memory-from') {
      const value = argv[++i];
      if (value === undefined) usage(`${arg} needs a value`);
      if (arg === '--out') args.out = value;
      else if (arg === '--memory-from') args.memoryFrom = value;
      else {
        args.roundMs = Number(value);
        if (!Number.isFinite(args.roundMs) || args.roundMs <= 0) usage(`bad --round-ms: ${value}`);
      }
    } else if (arg === '-h' || arg === '--help') usage();
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (args.dir === null) args.dir = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (args.dir === null) usage();
  args.out ??= args.dir;
  return args;
}

function readTextIfPresent(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * A report's figures as `section.key` → finite number or null. The `figures` map wins;
 * the sections' metrics fill in for a report written without one.
 */
function figuresOf(report) {
  const figures = {};
  for (const section of sectionsOf(report)) {
    for (const metric of Array.isArray(section.metrics) ? section.metrics : []) {
      figures[`${section.name}.${metric.key}`] = finiteOrNull(metric.value);
    }
  }
  for (const [key, value] of Object.entries(report.figures ?? {})) figures[key] = finiteOrNull(value);
  return figures;
}

function sectionsOf(report) {
  return Array.isArray(report?.sections) ? report.sections.filter((s) => s && typeof s.name === 'string') : [];
}

function finiteOrNull(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Every run-<k> directory in number order, with its reports by target. Unreadable reports
 * are left out and described in `problems` (so one broken file does not cost the summary).
 */
function loadRuns(dir) {
  const runs = [];
  const problems = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = /^run-(\d+)$/.exec(entry.name);
    if (!match || !entry.isDirectory()) continue;
    const runDir = join(dir, entry.name);
    const run = { number: Number(match[1]), name: entry.name, reports: {}, figures: {}, order: null };
    for (const target of TARGETS) {
      const text = readTextIfPresent(join(runDir, `${target}.json`));
      if (text === null) continue;
      try {
        const report = JSON.parse(text);
        if (!report || typeof report !== 'object' || Array.isArray(report)) throw new Error('not a report object');
        run.reports[target] = report;
        run.figures[target] = figuresOf(report);
      } catch (err) {
        problems.push(`${entry.name}/${target}.json is unreadable: ${err.message}`);
      }
    }
    const order = readTextIfPresent(join(runDir, 'order.txt'));
    if (order !== null && order.trim()) run.order = order.trim().split(/[\s,]+/);
    runs.push(run);
  }
  runs.sort((a, b) => a.number - b.number);
  return { runs, problems };
}

// ---------------------------------------------------------------------------------------
// Numbers

/** A figure of one target in one run, or null. */
function valueIn(run, target, key) {
  return run.figures[target]?.[key] ?? null;
}

/** ours ÷ peer in one run; null unless both exist and the peer's is not zero. */
function ratioIn(run, key, peer) {
  const ours = valueIn(run, 'ours', key);
  const theirs = valueIn(run, peer, key);
  return ours === null || theirs === null || theirs === 0 ? null : ours / theirs;
}

/** Median, min and max of the non-null values, or null when there are none. */
function stats(values) {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

const valueStats = (runs, target, key) => stats(runs.map((run) => valueIn(run, target, key)));
const ratioStats = (runs, key, peer) => stats(runs.map((run) => ratioIn(run, key, peer)));

const withSeparators = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
// Axis ticks are round numbers: no forced decimals ("80", "2.5", "10,000").
const tickFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function fmt(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const size = Math.abs(value);
  if (size >= 100) return withSeparators.format(value);
  if (size >= 10) return value.toFixed(1);
  if (size === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

/** "median [min–max]", with the count of runs when some runs lack the figure. */
function rangeCell(s, runCount) {
  if (!s) return 'n/a';
  // A range that looks like one number (same runs, or ratios equal to 3 digits) is shown as one.
  const spread = fmt(s.min) !== fmt(s.max);
  let text = spread ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]` : fmt(s.median);
  if (s.n < runCount) text += ` (${s.n} of ${runCount} runs)`;
  return text;
}

// ---------------------------------------------------------------------------------------
// summary.md

/** The metric's label and unit from the first report that has it. */
function metricInfo(runs, figureKey) {
  const [sectionName, key] = figureKey.split('.');
  for (const run of runs) {
    for (const report of Object.values(run.reports)) {
      const section = sectionsOf(report).find((s) => s.name === sectionName);
      const metric = section?.metrics?.find?.((m) => m?.key === key);
      if (metric) return { label: metric.label || key, unit: metric.unit || '' };
    }
  }
  return { label: key, unit: '' };
}

function rowLabel(runs, figureKey) {
  const { label, unit } = metricInfo(runs, figureKey);
  const section = figureKey.split('.')[0];
  // Some labels carry their unit already ("server CPU, hold only (% of a core)").
  const showUnit = unit && !label.includes(`(${unit}`);
  return `${section}: ${label}${showUnit ? ` (${unit})` : ''}`;
}

/** Text safe inside a Markdown table cell. */
const mdCell = (text) => String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const mdCode = (text) => `\`${String(text).replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
const tableRow = (cells) => `| ${cells.map(mdCell).join(' | ')} |`;

function figuresTable(runs) {
  const lines = [
    tableRow(['figure', ...TARGETS, ...PEERS.map((peer) => `ours ÷ ${peer}`)]),
    `| --- | ${[...TARGETS, ...PEERS].map(() => '---:').join(' | ')} |`,
  ];
  for (const key of FIGURE_KEYS) {
    lines.push(tableRow([
      rowLabel(runs, key),
      ...TARGETS.map((target) => rangeCell(valueStats(runs, target, key), runs.length)),
      ...PEERS.map((peer) => rangeCell(ratioStats(runs, key, peer), runs.length)),
    ]));
  }
  return lines;
}

function perRunTable(runs) {
  const headline = [[MATCHES_PER_S, 'matches/s'], [MEM_PER_CONN, 'KB per idle conn']];
  const columns = headline.flatMap(([key, name]) => TARGETS.map((target) => [key, target, name]));
  const lines = [
    tableRow(['run', 'order', ...columns.map(([, target, name]) => `${name}: ${target}`)]),
    `| --- | --- | ${columns.map(() => '---:').join(' | ')} |`,
  ];
  for (const run of runs) {
    lines.push(tableRow([
      run.number,
      run.order ? run.order.join(' → ') : '—',
      ...columns.map(([key, target]) => fmt(valueIn(run, target, key))),
    ]));
  }
  return lines;
}

function verdictText(met) {
  return met === null ? '**n/a**' : met ? '**met**' : '**not met**';
}

function targetLines(runs, roundMs) {
  const lines = [];
  for (const t of RATIO_TARGETS) {
    const ratio = ratioStats(runs, t.key, t.peer);
    const limit = t.atLeast ?? t.atMost;
    const sign = t.atLeast !== undefined ? '≥' : '≤';
    const met = ratio === null ? null : t.atLeast !== undefined ? ratio.median >= limit : ratio.median <= limit;
    const medians = ['ours', t.peer].map((target) => `${target} ${fmt(valueStats(runs, target, t.key)?.median)}`);
    lines.push(
      `- ${t.what} (${t.key}) ${sign} ${limit.toFixed(1)}× ${t.peer}: ${verdictText(met)} — ` +
        `ours ÷ ${t.peer} ${rangeCell(ratio, runs.length)}; medians: ${medians.join(', ')}`,
    );
  }

  const hadP1 = valueStats(runs, 'ours', 'vs_rounds.had_p1_ms');
  const hadP1Floor = roundMs - 50;
  lines.push(
    `- start → result arrival p1 (vs_rounds.had_p1_ms) ≥ ${fmt(hadP1Floor)} ms (round ${fmt(roundMs)} ms − 50): ` +
      `${verdictText(hadP1 && hadP1.median >= hadP1Floor)} — ours ${rangeCell(hadP1, runs.length)}${hadP1 ? ' ms' : ''}`,
  );

  // Strict on purpose: a refusal in any run is a bug, however the other runs went.
  const refused = valueStats(runs, 'ours', 'vs_rounds.choices_refused');
  lines.push(
    `- choices refused (vs_rounds.choices_refused) = 0 in every run: ` +
      `${verdictText(refused && refused.max === 0)} — ours ${rangeCell(refused, runs.length)}`,
  );
  return lines;
}

/** Nonzero errors and unexpected closes, and the reports' notes, per target and section. */
function troubleLines(runs) {
  const lines = [];
  const notes = [];
  for (const target of TARGETS) {
    // section → kind → code → { total, runs }
    const counts = new Map();
    const notesBySection = new Map();
    for (const run of runs) {
      for (const section of sectionsOf(run.reports[target])) {
        for (const kind of ['errors', 'unexpected_closes']) {
          for (const [code, count] of Object.entries(section[kind] ?? {})) {
            if (typeof count !== 'number' || count === 0) continue;
            if (!counts.has(section.name)) counts.set(section.name, new Map());
            const byKind = counts.get(section.name);
            if (!byKind.has(kind)) byKind.set(kind, new Map());
            const byCode = byKind.get(kind);
            const entry = byCode.get(code) ?? { total: 0, runs: [] };
            entry.total += count;
            entry.runs.push(run.number);
            byCode.set(code, entry);
          }
        }
        for (const note of Array.isArray(section.notes) ? section.notes : []) {
          const key = `${section.name}\u0000${note}`;
          if (!notesBySection.has(key)) notesBySection.set(key, { section: section.name, note, runs: [] });
          notesBySection.get(key).runs.push(run.number);
        }
      }
    }
    for (const [sectionName, byKind] of counts) {
      for (const [kind, byCode] of byKind) {
        const items = [...byCode].map(
          ([code, { total, runs: inRuns }]) => `${mdCode(code)} × ${fmt(total)} (run ${inRuns.join(', ')})`,
        );
        lines.push(`- ${target} · ${sectionName} · ${kind.replace('_', ' ')}: ${items.join('; ')}`);
      }
    }
    for (const { section, note, runs: inRuns } of notesBySection.values()) {
      notes.push(`- ${target} · ${section}: ${String(note).replace(/\r?\n/g, ' ')} (run ${inRuns.join(', ')})`);
    }
  }
  return { lines, notes };
}

/** Which targets lack a report in which runs. */
function missingLines(runs, problems) {
  const lines = problems.map((p) => `- ${p}`);
  for (const target of TARGETS) {
    const missingIn = runs.filter((run) => !run.figures[target]).map((run) => run.number);
    if (missingIn.length === runs.length) lines.push(`- ${target}: no report in any run`);
    else if (missingIn.length) lines.push(`- ${target}: no report in run ${missingIn.join(', ')}`);
  }
  return lines;
}

/** A fence longer than any run of backticks in the text, so the text stays verbatim. */
function fenced(text) {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, text.replace(/\r?\n$/, ''), fence];
}

function summaryMarkdown({ dir, runs, problems, roundMs, meta }) {
  const authOf = (target) => {
    const auths = new Set(runs.map((run) => run.reports[target]?.auth).filter(Boolean));
    return auths.size ? `${target} ${[...auths].join('/')}` : null;
  };
  const auths = TARGETS.map(authOf).filter(Boolean);
  const trouble = troubleLines(runs);
  const missing = missingLines(runs, problems);
  const out = [
    `# Versus: ours against lobby-floor and partyserver`,
    '',
    `${runs.length} run${runs.length === 1 ? '' : 's'} from \`${dir}\`. ` +
      `Each cell: median [min–max] over the runs; a ratio column is the median [min–max] ` +
      `of ours ÷ the peer within each run, over the runs that have both.` +
      (auths.length ? ` Auth: ${auths.join(', ')}.` : ''),
    '',
    ...figuresTable(runs),
    '',
    '## Headline figures per run',
    '',
    ...perRunTable(runs),
    '',
    `## The issue's targets (medians of the per-run ratios)`,
    '',
    ...targetLines(runs, roundMs),
    '',
    '## Errors and unexpected closes (summed over runs)',
    '',
    ...(trouble.lines.length ? trouble.lines : ['None in any report.']),
  ];
  if (trouble.notes.length) out.push('', '## Notes from the reports', '', ...trouble.notes);
  if (missing.length) out.push('', '## Missing reports', '', ...missing);
  if (meta !== null) out.push('', '## meta.txt', '', ...fenced(meta));
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// chart.svg

const xml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

/** A top for the y axis and its ticks from 0: 3–5 steps of 1, 2, 2.5 or 5 × 10^n. */
function yAxis(maxValue) {
  if (!(maxValue > 0)) return { top: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  const rough = maxValue / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  const steps = Math.max(1, Math.ceil(maxValue / step - 1e-9));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { top: ticks.at(-1), ticks };
}

const WIDTH = 900;
const HEIGHT = 420;
const PANEL_WIDTH = WIDTH / 2;
const PLOT = { left: 64, right: 20, top: 62, bottom: 340 }; // left/right inset within a panel

function panelSvg({ index, title, key, runs }) {
  const x0 = index * PANEL_WIDTH;
  const left = x0 + PLOT.left;
  const right = x0 + PANEL_WIDTH - PLOT.right;
  const valuesOf = (target) => runs.map((run, i) => ({ runIndex: i, value: valueIn(run, target, key) }))
    .filter((d) => d.value !== null);
  const all = TARGETS.flatMap((target) => valuesOf(target).map((d) => d.value));
  // A little headroom so the highest dot does not sit on the top gridline.
  const { top: yTop, ticks } = yAxis(Math.max(0, ...all) * 1.05);
  const y = (value) => PLOT.bottom - (Math.max(0, value) / yTop) * (PLOT.bottom - PLOT.top);
  const groupWidth = (right - left) / TARGETS.length;

  const parts = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="32" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${xml(title)}</text>`,
  ];
  for (const tick of ticks) {
    const ty = y(tick).toFixed(1);
    const stroke = tick === 0 ? '#888' : '#e3e3e3';
    parts.push(
      `<line x1="${left}" y1="${ty}" x2="${right}" y2="${ty}" stroke="${stroke}" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${ty}" dy="0.32em" text-anchor="end" font-size="11" fill="#555">${xml(tickFormat.format(tick))}</text>`,
    );
  }
  parts.push(`<line x1="${left}" y1="${PLOT.top}" x2="${left}" y2="${PLOT.bottom}" stroke="#888" stroke-width="1"/>`);

  TARGETS.forEach((target, g) => {
    const centre = left + groupWidth * (g + 0.5);
    // The dots and bar sit a little left of the centre so the median's label fits on the right.
    const dotsCentre = centre - 12;
    const colour = COLOURS[target];
    const points = valuesOf(target);
    // The median first, so every run's dot stays visible on top of it.
    const median = stats(points.map((d) => d.value))?.median ?? null;
    if (median !== null) {
      const my = y(median).toFixed(1);
      parts.push(
        `<line x1="${dotsCentre - 20}" y1="${my}" x2="${dotsCentre + 20}" y2="${my}" stroke="${colour}" stroke-width="3" stroke-linecap="round"/>`,
        `<text x="${dotsCentre + 25}" y="${my}" dy="0.32em" font-size="12" font-weight="600" fill="#222">${xml(fmt(median))}</text>`,
      );
    }
    for (const { runIndex, value } of points) {
      // Spread by run number (not random) so a run sits at the same offset in both panels
      // and the chart is the same on every render.
      const spread = runs.length > 1 ? (runIndex / (runs.length - 1) - 0.5) * 24 : 0;
      parts.push(
        `<circle cx="${(dotsCentre + spread).toFixed(1)}" cy="${y(value).toFixed(1)}" r="4.5" ` +
          `fill="${colour}" fill-opacity="0.7" stroke="#fff" stroke-width="1"><title>${xml(`${target}, ${runs[runIndex].name}: ${fmt(value)}`)}</title></circle>`,
      );
    }
    parts.push(
      `<text x="${centre}" y="${PLOT.bottom + 20}" text-anchor="middle" font-size="13" font-weight="600" fill="${colour}">${xml(target)}</text>`,
    );
    if (points.length < runs.length) {
      const note = points.length === 0 ? 'no data' : `${points.length} of ${runs.length} runs`;
      parts.push(`<text x="${centre}" y="${PLOT.bottom + 35}" text-anchor="middle" font-size="10" fill="#777">${xml(note)}</text>`);
    }
  });
  return parts;
}

function chartSvg({ dir, runs, memory = { dir, runs } }) {
  // The burst's size comes from the reports; the harness default is 1,000 clients.
  const clients = new Set(TARGETS.flatMap((t) => runs.map((run) => valueIn(run, t, 'vs_burst.clients'))).filter((v) => v !== null));
  const clientsText = clients.size === 1 ? fmt([...clients][0]) : clients.size > 1
    ? `${fmt(Math.min(...clients))}–${fmt(Math.max(...clients))}` : '1,000';
  const panels = [
    { title: `matches/s, ${clientsText} clients at once`, key: MATCHES_PER_S, runs },
    { title: 'memory per idle connection (KB, all server processes)', key: MEM_PER_CONN, runs: memory.runs },
  ];
  const sets = (d, r) => `${d} (${r.length} run${r.length === 1 ? '' : 's'})`;
  const from = memory.dir === dir ? sets(dir, runs) : `matches/s: ${sets(dir, runs)}; memory: ${sets(memory.dir, memory.runs)}`;
  const caption = `${from} · dots: one per run, bars: median`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${xml(`Versus: ${panels.map((p) => p.title).join('; ')}`)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...panels.flatMap((panel, index) => panelSvg({ index, ...panel })),
    `<text x="${WIDTH / 2}" y="${HEIGHT - 14}" text-anchor="middle" font-size="11" fill="#666">${xml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------

const args = parseArgs(process.argv.slice(2));
if (!existsSync(args.dir)) usage(`no such directory: ${args.dir}`);
const { runs, problems } = loadRuns(args.dir);
if (runs.length === 0) {
  console.error(`no run-<k> directories in ${args.dir}`);
  process.exit(1);
}
for (const problem of problems) console.error(`warning: ${problem}`);

const meta = readTextIfPresent(join(args.dir, 'meta.txt'));
const summary = summaryMarkdown({ dir: args.dir, runs, problems, roundMs: args.roundMs, meta });
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'summary.md'), summary);
let memory = { dir: args.dir, runs };
if (args.memoryFrom !== null) {
  if (!existsSync(args.memoryFrom)) usage(`no such directory: ${args.memoryFrom}`);
  memory = { dir: args.memoryFrom, runs: loadRuns(args.memoryFrom).runs };
}
writeFileSync(join(args.out, 'chart.svg'), chartSvg({ dir: args.dir, runs, memory }));
process.stdout.write(summary);
