'use strict';
// The incident list and, for the incident named in the URL fragment (#incident=ID), its timeline.
// Plain DOM and SVG; every drawn element carries data-kind so tests can read the chart.

const COLOURS = {
  OOM_KILLED: '#c62828', IMAGE_PULL_FAILURE: '#6a1b9a', BACKUP_IO_CONTENTION: '#ef6c00',
  HOST_MEMORY_PRESSURE: '#ad1457', HOST_CPU_CONTENTION: '#4e342e', ETCD_DISK_LATENCY: '#1565c0',
  API_SERVER_UNREACHABLE: '#00838f', APP_CRASH: '#d84315', UNKNOWN: '#757575'
};
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
let incidents = [];

async function loadList() {
  incidents = await getJson('api/incidents');
  const ul = $('incidents');
  ul.replaceChildren();
  for (const i of incidents) {
    const li = el('li', {class: 'incident', 'data-id': i.id, 'data-category': i.category,
                         style: '--c:' + (COLOURS[i.category] || COLOURS.UNKNOWN)});
    const head = el('div');
    head.append(el('span', {class: 'category'}, i.category), ' ',
      el('span', {class: 'badge' + (i.transient ? ' transient' : '')}, i.transient ? 'transient' : 'act on it'), ' ',
      el('span', {class: 'badge'}, i.status));
    const pods = [...new Set(i.pods.map((p) => p.namespace + '/' + p.pod))].join(', ');
    li.append(head,
      el('div', {class: 'meta'}, fmt(i.windowStart) + ' UTC · ' + i.cluster),
      el('div', {class: 'pods'}, pods),
      el('div', {class: 'summary'}, i.summary));
    li.addEventListener('click', () => { location.hash = 'incident=' + encodeURIComponent(i.id); });
    ul.append(li);
  }
  $('status').textContent = incidents.length + ' incidents';
}

function selectedId() {
  const m = /incident=([^&]+)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

async function showSelected() {
  const id = selectedId();
  for (const li of document.querySelectorAll('.incident')) li.classList.toggle('selected', li.dataset.id === id);
  if (!id) return;
  const incident = await getJson('api/incidents/' + encodeURIComponent(id));
  const timeline = await getJson('api/timeline?cluster=' + encodeURIComponent(incident.cluster) +
                                 '&incident=' + encodeURIComponent(id));
  $('hint').hidden = true;
  $('detail').hidden = false;
  $('detail-title').textContent = incident.category + ' · ' + incident.cluster + ' · ' + fmt(incident.windowStart) + ' UTC';
  $('detail-summary').textContent = incident.summary;
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

// Layout: backup rows per host, then the etcd panel, then the memory panel; restarts cross all.
function chart(incident, t) {
  const W = 1000, LEFT = 150, RIGHT = 20, ROW = 18, PANEL = 110, GAP = 28;
  const hosts = [...new Set(t.backups.map((b) => b.host))].sort();
  const backupTop = 24, etcdTop = backupTop + Math.max(1, hosts.length) * ROW + GAP;
  const memTop = etcdTop + PANEL + GAP, height = memTop + PANEL + 30;
  const x = (ms) => LEFT + (ms - t.from) / (t.to - t.from) * (W - LEFT - RIGHT);
  const svg = el('svg:svg', {id: 'timeline', viewBox: `0 0 ${W} ${height}`, 'data-incident': incident.id});

  // The incident's window, shaded behind everything.
  const ws = Date.parse(incident.windowStart), we = Date.parse(incident.windowEnd);
  svg.append(el('svg:rect', {x: x(ws), y: 10, width: Math.max(2, x(we) - x(ws)), height: height - 40,
                             fill: '#fff3e0', 'data-kind': 'incident-window'}));
  // Hour ticks.
  for (let h = Math.ceil(t.from / 3600e3) * 3600e3; h <= t.to; h += 900e3) {
    svg.append(el('svg:line', {x1: x(h), x2: x(h), y1: 14, y2: height - 26, stroke: '#eee'}),
               el('svg:text', {x: x(h) - 16, y: height - 12}, fmt(h).slice(11)));
  }

  svg.append(el('svg:text', {x: 4, y: backupTop - 8, 'font-weight': 'bold'}, 'backups'));
  hosts.forEach((h, r) => svg.append(el('svg:text', {x: 4, y: backupTop + r * ROW + 13}, h)));
  for (const b of t.backups) {
    const r = hosts.indexOf(b.host);
    const bar = el('svg:rect', {x: x(b.start), y: backupTop + r * ROW + 2, width: Math.max(2, x(b.end) - x(b.start)),
      height: ROW - 4, fill: b.vmid ? '#ffb74d' : '#ef6c00', opacity: .8,
      'data-kind': 'backup', 'data-host': b.host, 'data-job': b.job});
    bar.append(el('svg:title', {}, `${b.host} ${b.job}${b.vmid ? ' vm ' + b.vmid : ''}${b.target ? ' → ' + b.target : ''}: ` +
                                 `${fmt(b.start)}–${fmt(b.end).slice(11)} (${b.phase})`));
    svg.append(bar);
  }

  panel(svg, t.etcd, etcdTop, 'etcd WAL fsync p99 (ms)', 'etcd', x, LEFT, W - RIGHT, PANEL, false);
  panel(svg, t.hostMemory.concat(t.balloon.map((s) => ({...s, balloon: true}))), memTop,
        'host memory % / guest balloon % (dashed)', 'memory', x, LEFT, W - RIGHT, PANEL, true);

  for (const r of t.restarts) {
    const m = el('svg:line', {x1: x(r.time), x2: x(r.time), y1: 14, y2: height - 26, stroke: '#c62828',
      'stroke-width': 1.5, 'data-kind': 'restart', 'data-pod': r.pod});
    m.append(el('svg:title', {}, `${r.pod} restarted ${fmt(r.time)} ${r.reason}`));
    svg.append(m);
  }
  return svg;
}

const PALETTE = ['#1565c0', '#2e7d32', '#6a1b9a', '#00838f', '#f9a825', '#4e342e', '#ad1457'];

function panel(svg, series, top, title, kind, x, left, right, height, percent) {
  svg.append(el('svg:text', {x: 4, y: top - 8, 'font-weight': 'bold'}, title),
             el('svg:rect', {x: left, y: top, width: right - left, height, fill: 'none', stroke: '#ccc'}));
  const max = percent ? 100 : Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  svg.append(el('svg:text', {x: left - 40, y: top + 10}, String(Math.round(max))),
             el('svg:text', {x: left - 20, y: top + height}, '0'));
  const y = (v) => top + height - Math.min(v, max) / max * height;
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

// Hosts, clusters and nodes that events named and the inventory does not place: a banner.
async function loadInventoryWarnings() {
  const warnings = await getJson('api/inventory-warnings');
  const box = $('inventory-warnings');
  box.querySelector('ul').replaceChildren(...warnings.map((w) =>
    el('li', {class: 'inventory-warning', 'data-reason': w.reason, 'data-subject': w.subject}, w.text)));
  box.hidden = warnings.length === 0;
}

async function main() {
  try {
    await loadInventoryWarnings();
    await loadList();
    await showSelected();
    document.body.dataset.ready = 'true';
  } catch (e) {
    $('status').textContent = 'error: ' + e.message;
    document.body.dataset.error = e.message;
  }
}

window.addEventListener('hashchange', () => showSelected().catch((e) => { $('status').textContent = 'error: ' + e.message; }));
main();
