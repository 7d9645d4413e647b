'use strict';
// The incident list (filtered by the URL fragment: #cluster=&category=&transient=&since=&until=)
// and, for the incident named there (incident=ID), its timeline.
// Plain DOM and SVG; every drawn element carries data-kind so tests can read the chart.

const COLOURS = {
  OOM_KILLED: '#c62828', IMAGE_PULL_FAILURE: '#6a1b9a', BACKUP_IO_CONTENTION: '#ef6c00',
  HOST_MEMORY_PRESSURE: '#ad1457', HOST_CPU_CONTENTION: '#4e342e', ETCD_DISK_LATENCY: '#1565c0',
  API_SERVER_UNREACHABLE: '#00838f', APP_CRASH: '#d84315', UNKNOWN: '#757575'
};
// The marks the timeline draws, one legend entry each.
const MARK = {
  window: '#ffe0b2', restart: '#c62828', job: '#ef6c00', guest: '#ffb74d', threshold: '#b71c1c'
};
const FILTERS = ['cluster', 'category', 'transient', 'since', 'until'];
const MINUTE = 60e3;
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(url + ': ' + r.status + ' ' + (await r.text()));
  return r.json();
}

const fmt = (t) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');
const restartsOf = (i) => i.pods.reduce((sum, p) => sum + p.restarts, 0);

// The fragment as key → value (incident and the list filters).
function fragment() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

function setFragment(changes) {
  const f = fragment();
  for (const [k, v] of Object.entries(changes)) {
    if (v) f[k] = v; else delete f[k];
  }
  location.hash = new URLSearchParams(f).toString();
}

let all = [];

// Options from every incident, so a filter never hides the choices of another.
function fillFilters(f) {
  const options = (select, values, label) => {
    const current = select.value;
    select.replaceChildren(el('option', {value: ''}, label), ...values.map((v) => el('option', {value: v}, v)));
    select.value = values.includes(current) ? current : '';
  };
  options($('filter-cluster'), [...new Set(all.map((i) => i.cluster))].sort(), 'all clusters');
  options($('filter-category'), Object.keys(COLOURS).filter((c) => all.some((i) => i.category === c)), 'all categories');
  for (const name of FILTERS) $('filter-' + name).value = f[name] || '';
}

async function loadList() {
  const f = fragment();
  all = await getJson('api/incidents');
  fillFilters(f);
  const query = new URLSearchParams(FILTERS.filter((k) => f[k]).map((k) => [k, f[k]])).toString();
  const incidents = query ? await getJson('api/incidents?' + query) : all;
  const ul = $('incidents');
  ul.replaceChildren();
  for (const i of incidents) {
    const li = el('li', {class: 'incident', 'data-id': i.id, 'data-category': i.category, 'data-cluster': i.cluster,
                         'data-transient': String(i.transient), style: '--c:' + (COLOURS[i.category] || COLOURS.UNKNOWN)});
    const head = el('div');
    head.append(el('span', {class: 'category'}, i.category), ' ',
      el('span', {class: 'badge' + (i.transient ? ' transient' : '')}, i.transient ? 'transient' : 'act on it'), ' ',
      el('span', {class: 'badge'}, i.status));
    const pods = [...new Set(i.pods.map((p) => p.namespace + '/' + p.pod))];
    li.append(head,
      el('div', {class: 'meta'}, fmt(i.windowStart) + ' UTC · ' + i.cluster + ' · ' +
         plural(restartsOf(i), 'restart') + ' of ' + plural(pods.length, 'pod')),
      el('div', {class: 'pods'}, pods.join(', ')),
      el('div', {class: 'summary'}, i.summary));
    li.addEventListener('click', () => setFragment({incident: i.id}));
    ul.append(li);
  }
  if (!incidents.length) ul.append(el('li', {class: 'empty', 'data-kind': 'no-data'}, 'No incident matches the filters.'));
  $('status').textContent = query ? incidents.length + ' of ' + plural(all.length, 'incident')
                                  : plural(all.length, 'incident');
}

async function showSelected() {
  const id = fragment().incident || null;
  let selected = null;
  for (const li of document.querySelectorAll('.incident')) {
    li.classList.toggle('selected', li.dataset.id === id);
    if (li.dataset.id === id) selected = li;
  }
  if (!id) return;
  if (selected) {
    // The list scrolls by itself; a link to an old incident opens with it in sight.
    selected.scrollIntoView({block: 'nearest'});
    const list = $('list-pane').getBoundingClientRect(), item = selected.getBoundingClientRect();
    document.body.dataset.selectedInView = String(item.top >= list.top && item.bottom <= list.bottom);
  }
  const incident = await getJson('api/incidents/' + encodeURIComponent(id));
  const timeline = await getJson('api/timeline?cluster=' + encodeURIComponent(incident.cluster) +
                                 '&incident=' + encodeURIComponent(id));
  $('hint').hidden = true;
  $('detail').hidden = false;
  $('detail-title').textContent = incident.category + ' · ' + incident.cluster + ' · ' + fmt(incident.windowStart) + ' UTC';
  $('detail-summary').textContent = plural(restartsOf(incident), 'restart') + ' of ' +
    plural(new Set(incident.pods.map((p) => p.namespace + '/' + p.pod)).size, 'pod') + '. ' + incident.summary;
  const tbody = $('evidence').querySelector('tbody');
  tbody.replaceChildren(...incident.evidence.map((e) => {
    const tr = el('tr');
    for (const v of [e.kind, e.source, e.observedValue, e.threshold, e.time ? fmt(e.time) : '', e.text]) {
      tr.append(el('td', {}, v === undefined || v === null ? '' : String(v) + (v === e.observedValue && e.unit ? ' ' + e.unit : '')));
    }
    return tr;
  }));
  $('actions').replaceChildren(...incident.recommendedActions.map((a) => el('li', {}, a)));
  $('chart').replaceChildren(chart(incident, timeline));
}

// The grid step: the smallest that leaves at most a dozen labels, so the first is never far from the left edge.
function tickStep(span) {
  for (const minutes of [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]) {
    if (span / (minutes * MINUTE) <= 12) return minutes * MINUTE;
  }
  return 2880 * MINUTE;
}

// Layout: the legend, backup rows per host, then the etcd panel, then the memory panel; restarts cross all.
function chart(incident, t) {
  const W = 1000, LEFT = 150, RIGHT = 20, ROW = 18, PANEL = 110, GAP = 28, LEGEND = 40;
  const hosts = [...new Set(t.backups.map((b) => b.host))].sort();
  const backupTop = LEGEND + 24, etcdTop = backupTop + Math.max(1, hosts.length) * ROW + GAP;
  const memTop = etcdTop + PANEL + GAP, height = memTop + PANEL + 34;
  const x = (ms) => LEFT + (ms - t.from) / (t.to - t.from) * (W - LEFT - RIGHT);
  const svg = el('svg:svg', {id: 'timeline', viewBox: `0 0 ${W} ${height}`, 'data-incident': incident.id,
                             'data-from': t.from, 'data-to': t.to});
  const thresholds = t.thresholds || {};

  // The incident's window, shaded behind everything.
  const ws = Date.parse(incident.windowStart), we = Date.parse(incident.windowEnd);
  // At least a few pixels wide, so a single restart's window is still seen.
  svg.append(el('svg:rect', {x: Math.min(x(ws), x(we) - 6), y: backupTop - 14, width: Math.max(6, x(we) - x(ws)),
                             height: height - backupTop - 12,
                             fill: MARK.window, 'data-kind': 'incident-window'}));
  // Grid and time labels, aligned to the step, from the left edge on.
  const step = tickStep(t.to - t.from);
  for (let h = Math.ceil(t.from / step) * step; h <= t.to; h += step) {
    svg.append(el('svg:line', {x1: x(h), x2: x(h), y1: backupTop - 14, y2: height - 30, stroke: '#e0e0e0',
                               'data-kind': 'grid'}),
               el('svg:text', {x: x(h), y: height - 16, 'text-anchor': 'middle', 'data-kind': 'axis-label',
                               'data-time': h}, fmt(h).slice(11)));
  }
  // In the label column, not beside the axis: the first time label may sit right at the left edge.
  svg.append(el('svg:text', {x: 4, y: height - 16}, 'time (UTC)'));

  svg.append(el('svg:text', {x: 4, y: backupTop - 8, 'font-weight': 'bold'}, 'backups'));
  hosts.forEach((h, r) => svg.append(el('svg:text', {x: 4, y: backupTop + r * ROW + 13}, h)));
  if (!hosts.length) noData(svg, LEFT, backupTop, W - RIGHT - LEFT, ROW, 'backups', 'no backup in this range');
  for (const b of t.backups) {
    const r = hosts.indexOf(b.host);
    const bar = el('svg:rect', {x: x(b.start), y: backupTop + r * ROW + 2, width: Math.max(2, x(b.end) - x(b.start)),
      height: ROW - 4, fill: b.vmid ? MARK.guest : MARK.job, opacity: .8,
      'data-kind': 'backup', 'data-phase': b.vmid ? 'guest' : 'job', 'data-host': b.host, 'data-job': b.job});
    bar.append(el('svg:title', {}, `${b.host} ${b.job}${b.vmid ? ' vm ' + b.vmid : ''}${b.target ? ' → ' + b.target : ''}: ` +
                                 `${fmt(b.start)}–${fmt(b.end).slice(11)} (${b.phase})`));
    svg.append(bar);
  }

  const plot = {x, left: LEFT, right: W - RIGHT, height: PANEL};
  panel(svg, plot, t.etcd, etcdTop, 'etcd WAL fsync p99 (ms)', 'etcd', false,
        [{kind: 'etcd-fsync', value: thresholds.etcdWalFsyncP99Ms, label: 'slow disk above ' + thresholds.etcdWalFsyncP99Ms + ' ms'}]);
  panel(svg, plot, t.hostMemory.concat(t.balloon.map((s) => ({...s, balloon: true}))), memTop,
        'host memory % / guest balloon % (dashed)', 'memory', true,
        [{kind: 'host-memory', value: thresholds.hostMemoryPercent, label: 'host pressure from ' + thresholds.hostMemoryPercent + ' %'},
         {kind: 'balloon', value: thresholds.balloonPercent, label: 'balloon reclaimed below ' + thresholds.balloonPercent + ' %',
          dashed: true}]);

  for (const r of t.restarts) {
    const m = el('svg:line', {x1: x(r.time), x2: x(r.time), y1: backupTop - 14, y2: height - 30, stroke: MARK.restart,
      'stroke-width': 1.5, 'data-kind': 'restart', 'data-pod': r.pod});
    m.append(el('svg:title', {}, `${r.pod} restarted ${fmt(r.time)} ${r.reason}`));
    svg.append(m);
  }
  legend(svg, LEFT, t.restarts.length);
  return svg;
}

// One entry per kind of mark, whether or not this range has one: the reader learns the chart once.
function legend(svg, left, restarts) {
  const g = el('svg:g', {'data-kind': 'legend'});
  const entries = [
    ['restart', plural(restarts, 'restart'), (x, y) => el('svg:line', {x1: x + 7, x2: x + 7, y1: y - 9, y2: y + 3,
      stroke: MARK.restart, 'stroke-width': 2})],
    ['incident-window', 'incident window', (x, y) => el('svg:rect', {x, y: y - 9, width: 14, height: 12, fill: MARK.window,
      stroke: '#ffcc80'})],
    ['backup-job', 'backup job', (x, y) => el('svg:rect', {x, y: y - 8, width: 14, height: 10, fill: MARK.job})],
    ['backup-guest', 'guest backup', (x, y) => el('svg:rect', {x, y: y - 8, width: 14, height: 10, fill: MARK.guest})],
    ['threshold', 'classifier threshold', (x, y) => el('svg:line', {x1: x, x2: x + 14, y1: y - 3, y2: y - 3,
      stroke: MARK.threshold, 'stroke-dasharray': '2 2'})]
  ];
  let x = left, y = 18;
  for (const [mark, text, swatch] of entries) {
    const item = el('svg:g', {'data-kind': 'legend-item', 'data-mark': mark});
    item.append(swatch(x, y), el('svg:text', {x: x + 19, y}, text));
    g.append(item);
    x += 40 + text.length * 6.2;
  }
  svg.append(g);
}

function noData(svg, left, top, width, height, kind, text) {
  svg.append(el('svg:text', {x: left + width / 2, y: top + height / 2 + 4, 'text-anchor': 'middle', fill: '#999',
                             'data-kind': 'no-data', 'data-panel': kind}, text));
}

const PALETTE = ['#1565c0', '#2e7d32', '#6a1b9a', '#00838f', '#f9a825', '#4e342e', '#ad1457'];

function panel(svg, plot, series, top, title, kind, percent, thresholds) {
  const {x, left, right, height} = plot;
  svg.append(el('svg:text', {x: 4, y: top - 8, 'font-weight': 'bold'}, title),
             el('svg:rect', {x: left, y: top, width: right - left, height, fill: 'none', stroke: '#ccc'}));
  if (!series.some((s) => s.points.length)) {
    noData(svg, left, top, right - left, height, kind, 'no data');
    return;
  }
  const lines = thresholds.filter((th) => typeof th.value === 'number');
  // The scale leaves room above the threshold, so its line is always on the chart.
  const max = percent ? 100 : Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])),
                                       ...lines.map((th) => th.value * 1.25));
  svg.append(el('svg:text', {x: left - 6, y: top + 10, 'text-anchor': 'end'}, String(Math.round(max))),
             el('svg:text', {x: left - 6, y: top + height, 'text-anchor': 'end'}, '0'));
  const y = (v) => top + height - Math.min(v, max) / max * height;
  // Labels of lines close together go to opposite ends, the second below its line.
  lines.forEach((th, n) => {
    svg.append(el('svg:line', {x1: left, x2: right, y1: y(th.value), y2: y(th.value), stroke: MARK.threshold,
      'stroke-dasharray': th.dashed ? '6 3' : '2 2', 'data-kind': 'threshold', 'data-threshold': th.kind,
      'data-value': th.value}),
      el('svg:text', {x: n % 2 ? left + 4 : right - 4, y: y(th.value) + (n % 2 ? 11 : -3),
                      'text-anchor': n % 2 ? 'start' : 'end', fill: MARK.threshold, 'data-kind': 'threshold-label'},
         th.label));
  });
  series.forEach((s, n) => {
    const colour = PALETTE[n % PALETTE.length];
    const pointKind = s.balloon ? 'balloon-point' : kind + '-point';
    svg.append(el('svg:polyline', {points: s.points.map((p) => x(p[0]) + ',' + y(p[1])).join(' '), fill: 'none',
      stroke: colour, 'stroke-width': 1.5, 'stroke-dasharray': s.balloon ? '4 3' : '', 'data-kind': kind + '-line',
      'data-series': s.name}));
    for (const p of s.points) {
      const c = el('svg:circle', {cx: x(p[0]), cy: y(p[1]), r: 2, fill: colour, 'data-kind': pointKind,
                                 'data-series': s.name});
      c.append(el('svg:title', {}, `${s.name} ${fmt(p[0])}: ${p[1]}`));
      svg.append(c);
    }
    svg.append(el('svg:text', {x: 4, y: top + 14 + n * 13, fill: colour}, s.name));
  });
}

async function show() {
  await loadList();
  await showSelected();
}

// Hosts, clusters and nodes that events named and the inventory does not place: a banner.
async function loadInventoryWarnings() {
  const warnings = await getJson('api/inventory-warnings');
  const box = $('inventory-warnings');
  box.querySelector('ul').replaceChildren(...warnings.map((w) =>
    el('li', {class: 'inventory-warning', 'data-reason': w.reason, 'data-subject': w.subject}, w.text)));
  box.hidden = warnings.length === 0;
}

async function main() {
  for (const name of FILTERS) {
    $('filter-' + name).addEventListener('change', (e) => setFragment({[name]: e.target.value}));
  }
  $('filter-clear').addEventListener('click', () => setFragment(Object.fromEntries(FILTERS.map((k) => [k, '']))));
  try {
    await loadInventoryWarnings();
    await show();
    document.body.dataset.ready = 'true';
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
    document.body.dataset.error = e.message;
  }
}

window.addEventListener('hashchange', () => show().catch((e) => { $('status').textContent = 'error: ' + e.message; }));
main();
