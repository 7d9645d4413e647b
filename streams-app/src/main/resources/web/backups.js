'use strict';
// The Backups page: every job's runs per night (rows) across the time of night, today's
// overlaps shaded, incidents marked on the runs their evidence names, and the proposal beside it.
const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#1e88e5', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#e53935', '#6d4c41', '#3949ab'];

function el(tag, attrs, text) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const key = j => j.sourceHost + '/' + j.job;
const hhmm = m => { const t = ((Math.round(m) + 720) % 1440 + 1440) % 1440;
  return String(Math.floor(t / 60)).padStart(2, '0') + ':' + String(t % 60).padStart(2, '0'); };

function axis(svg, x, from, to, top, bottom) {
  for (let m = Math.ceil(from / 60) * 60; m <= to; m += 60) {
    svg.append(el('svg:line', {x1: x(m), x2: x(m), y1: top, y2: bottom, stroke: '#e0e0e0'}));
    svg.append(el('svg:text', {x: x(m), y: top - 4, 'text-anchor': 'middle', 'data-kind': 'axis'}, hhmm(m)));
  }
}

/** An SVG {@code w} × {@code h} at most, shrinking with its flex row while keeping its proportions. */
function scalable(attrs, w, h) {
  return {...attrs, viewBox: `0 0 ${w} ${h}`, width: w, height: h,
    style: `flex: 0 1 ${w}px; min-width: 0; width: 100%; height: auto`};
}

function draw(a) {
  const jobs = a.jobs;
  const colour = {};
  jobs.forEach((j, i) => { colour[key(j)] = COLOURS[i % COLOURS.length]; });
  const nights = [...new Set(jobs.flatMap(j => j.runs.map(r => r.night)))].sort();
  const proposal = {};
  a.proposal.jobs.forEach(p => { proposal[key(p)] = p; });
  let from = Infinity, to = -Infinity;
  jobs.forEach(j => j.runs.forEach(r => { from = Math.min(from, r.fromMinute); to = Math.max(to, r.toMinute ?? r.fromMinute); }));
  a.proposal.jobs.forEach(p => { from = Math.min(from, p.startMinuteOfNight); to = Math.max(to, p.startMinuteOfNight + p.busyMinutes); });
  if (!isFinite(from)) { from = 780; to = 1080; }
  from = Math.floor((from - 15) / 60) * 60; to = Math.ceil((to + 15) / 60) * 60;

  const lane = 9, rowH = Math.max(22, jobs.length * lane + 8), left = 90, width = 620, top = 28;
  const x = m => left + (m - from) / (to - from) * width;
  const height = top + nights.length * rowH + 10;

  // Today: one row per night, one lane per job.
  // Room on the right for half the last time label; sized by its viewBox, so that beside the proposal
  // in a narrower window both scale down instead of the right-hand hours being cut off.
  const today = el('svg:svg', scalable({id: 'backups-today', 'data-nights': nights.length}, left + width + 24, height));
  today.append(el('svg:text', {x: 4, y: 12, 'font-weight': 'bold'}, 'Today'));
  axis(today, x, from, to, top, height - 10);
  const rowOf = {};
  nights.forEach((n, i) => {
    rowOf[n] = top + i * rowH;
    today.append(el('svg:text', {x: 4, y: rowOf[n] + rowH / 2 + 4}, n));
    today.append(el('svg:line', {x1: left, x2: left + width, y1: rowOf[n] + rowH, y2: rowOf[n] + rowH, stroke: '#f0f0f0'}));
  });
  for (const o of a.overlaps) {
    const y = rowOf[o.night];
    if (y === undefined) continue;
    const r = el('svg:rect', {x: x(o.fromMinute), y, width: Math.max(1, x(o.toMinute) - x(o.fromMinute)), height: rowH,
      fill: '#e53935', 'fill-opacity': 0.18, 'data-kind': 'overlap'});
    r.append(el('svg:title', {}, `overlap ${key(o.a)} + ${key(o.b)} (${o.sharedBy}) ${hhmm(o.fromMinute)}–${hhmm(o.toMinute)}`));
    today.append(r);
  }
  const laneOf = {};
  jobs.forEach((j, i) => { laneOf[key(j)] = 4 + i * lane; });
  jobs.forEach(j => j.runs.forEach(r => {
    const y = rowOf[r.night] + laneOf[key(j)];
    const end = r.toMinute ?? r.fromMinute + 5;
    const bar = el('svg:rect', {x: x(r.fromMinute), y, width: Math.max(2, x(end) - x(r.fromMinute)), height: lane - 2,
      fill: colour[key(j)], 'data-kind': 'run', 'data-job': key(j), opacity: r.aborted ? 0.5 : 0.9});
    bar.append(el('svg:title', {}, `${key(j)} ${hhmm(r.fromMinute)}–${r.toMinute == null ? 'no end' : hhmm(end)}${r.aborted ? ' (aborted)' : ''}`));
    today.append(bar);
  }));
  for (const i of a.incidents) {
    const y0 = rowOf[i.night];
    if (y0 === undefined) continue;
    const lanes = i.jobs.length ? i.jobs.map(j => laneOf[key(j)]) : [rowH / 2 - lane / 2];
    for (const l of lanes) {
      const m = el('svg:circle', {cx: x(i.fromMinute), cy: y0 + l + (lane - 2) / 2, r: 4, fill: i.backupAttributed ? '#000' : '#fff',
        stroke: '#000', 'data-kind': 'incident', 'data-id': i.id});
      m.append(el('svg:title', {}, `${i.id}: ${i.restarts} restart${i.restarts === 1 ? '' : 's'}, ${i.placement.toLowerCase().replace('_', '-')}`));
      today.append(m);
    }
  }

  // The proposal: each job's start, its p95 run and its cool-down, on the same time axis.
  const propH = top + jobs.length * 22 + 10;
  // Room on the right for the schedule written after the last bar.
  const proposed = el('svg:svg', scalable({id: 'backups-proposal', 'data-feasible': a.proposal.feasible},
    left + width + 130, propH));
  proposed.append(el('svg:text', {x: 4, y: 12, 'font-weight': 'bold'}, 'Proposal (p95 + cool-down)'));
  axis(proposed, x, from, to, top, propH - 10);
  jobs.forEach((j, i) => {
    const p = proposal[key(j)];
    const y = top + i * 22 + 4;
    proposed.append(el('svg:text', {x: 4, y: y + 11}, j.sourceHost));
    const run = p.busyMinutes - a.coolDownSeconds / 60;
    const bar = el('svg:rect', {x: x(p.startMinuteOfNight), y, width: x(p.startMinuteOfNight + run) - x(p.startMinuteOfNight),
      height: 14, fill: colour[key(j)], 'data-kind': 'proposal', 'data-job': key(j), 'data-schedule': p.schedule});
    bar.append(el('svg:title', {}, `${key(j)}: ${p.schedule}`));
    proposed.append(bar);
    proposed.append(el('svg:rect', {x: x(p.startMinuteOfNight + run), y, width: x(p.startMinuteOfNight + p.busyMinutes) - x(p.startMinuteOfNight + run),
      height: 14, fill: colour[key(j)], 'fill-opacity': 0.3, 'data-kind': 'cool-down'}));
    proposed.append(el('svg:text', {x: x(p.startMinuteOfNight + p.busyMinutes) + 4, y: y + 11}, p.schedule));
  });

  const charts = document.getElementById('charts');
  charts.replaceChildren(today, proposed);

  const legend = document.getElementById('legend');
  legend.replaceChildren(...jobs.map(j => {
    const s = el('span', {style: `display:inline-block;margin-right:1em;border-left:12px solid ${colour[key(j)]};padding-left:.3em`},
      `${j.job} on ${j.sourceHost} → ${j.storage ?? '?'} on ${j.targetHost ?? '?'}`);
    return s;
  }), el('span', {style: 'margin-right:1em'}, '▮ faded: aborted run'),
  el('span', {style: 'margin-right:1em;background:rgba(229,57,53,.18)'}, 'shaded: contending jobs overlapping'),
  el('span', {}, '● backup-attributed incident  ○ other incident'));

  const tbody = document.querySelector('#proposal tbody');
  tbody.replaceChildren(...a.proposal.jobs.map(p => {
    const j = jobs.find(k => key(k) === key(p));
    const tr = el('tr', {'data-kind': 'proposal-row'});
    [p.sourceHost, p.job, `${j.storage ?? '?'} on ${j.targetHost ?? '?'}`, p.todaySchedule, p.schedule, p.busyMinutes + ' min']
      .forEach(v => tr.append(el('td', {}, v)));
    return tr;
  }));
  document.getElementById('sentence').textContent = a.proposal.sentence;
  const e = a.estimate;
  document.getElementById('estimate').textContent = `Estimate from the past, not a prediction: ${e.removedRestarts} of the period's `
    + `${e.backupRestarts} backup-attributed restart${e.backupRestarts === 1 ? '' : 's'} (${e.removedIncidents} of `
    + `${e.backupIncidents} incident${e.backupIncidents === 1 ? '' : 's'}) happened during overlaps the proposal removes.`;
  document.getElementById('status').textContent = `${jobs.length} job${jobs.length === 1 ? '' : 's'}, ${nights.length} night${nights.length === 1 ? '' : 's'}, `
    + `${a.overlaps.length} overlap${a.overlaps.length === 1 ? '' : 's'}`;
  document.body.setAttribute('data-ready', 'true');
}

async function load() {
  const query = location.hash.length > 1 ? '?' + location.hash.slice(1) : '';
  const r = await fetch('/api/backups' + query);
  const body = await r.json();
  if (!r.ok) {
    document.getElementById('status').textContent = body.error || ('HTTP ' + r.status);
    return;
  }
  draw(body);
}

load().catch(e => { document.getElementById('status').textContent = String(e); });
