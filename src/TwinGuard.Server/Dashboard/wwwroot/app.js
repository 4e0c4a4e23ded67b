// TwinGuard dashboard: plain browser JavaScript, no build step. Talks only to this origin's /api with the API key
// the operator pasted (kept in sessionStorage: this tab only). Live updates come from /api/events (server-sent
// events), opened with a single-use ticket so the key never appears in a URL. All text goes in via textContent.
'use strict';
(() => {
  const KEY = TwinGuardSession.KEY;
  const el = TwinGuardSession.el;
  const $ = (selector) => document.querySelector(selector);
  const state = { me: null, events: null, selected: null, charts: new Map(), chartTimer: null, incident: null, lists: {} };


  async function api(path, options = {}) {
    const response = await TwinGuardSession.request(path, options);
    const type = response.headers.get('content-type') ?? '';
    return type.includes('json') ? response.json() : response.text();
  }

  const time = (iso) => iso ? new Date(iso).toLocaleTimeString() : '-';
  const canDecide = () => state.me && (state.me.role === 'operator' || state.me.role === 'admin');
  const message = (text, isError = false) => { const m = $('#action-message'); m.textContent = text; m.className = isError ? 'message error' : 'message'; };

  // ---- login (TwinGuardSession.signIn, at the end of this file) ---------------------------------------------------
  $('#logout').addEventListener('click', () => { sessionStorage.removeItem(KEY); location.reload(); });

  // ---- live events -----------------------------------------------------------------------------------------------
  async function connect() {
    if (state.events) state.events.close();
    let ticket;
    try {
      ticket = await api('/api/events/ticket', { method: 'POST' });
    } catch (error) {
      setLive(false);
      if (error.status === 401) { sessionStorage.removeItem(KEY); location.reload(); return; }
      setTimeout(connect, 3000);
      return;
    }
    const events = new EventSource('/api/events?ticket=' + encodeURIComponent(ticket.ticket));
    state.events = events;
    events.onopen = () => setLive(true);
    events.onerror = () => {
      // A ticket works once: reconnect with a new one rather than letting EventSource retry the used URL.
      events.close();
      setLive(false);
      setTimeout(connect, 2000);
    };
    events.addEventListener('state', (e) => renderState(JSON.parse(e.data)));
    events.addEventListener('incident', (e) => {
      loadIncidents();
      const incident = JSON.parse(e.data); // an escalation of the incident on screen refreshes it
      if (incident.escalated && state.incident === incident.id) showIncident(incident.id);
    });
    events.addEventListener('action', (e) => {
      const action = JSON.parse(e.data);
      if (state.incident !== null && action.incidentId === state.incident) showIncident(state.incident);
    });
    events.addEventListener('finding', (e) => {
      const finding = JSON.parse(e.data);
      if (finding.asset && finding.asset === state.selected) refreshCharts();
    });
  }

  function setLive(on) {
    const live = $('#live');
    live.textContent = on ? 'live' : 'offline';
    live.className = on ? 'live on' : 'live off';
  }

  // ---- plant at a glance -----------------------------------------------------------------------------------------
  function renderState(s) {
    $('#site-name').textContent = `${s.site.name} (${s.site.id})`;
    const plant = $('#plant');
    for (const asset of s.assets) {
      let tile = plant.querySelector(`[data-asset="${CSS.escape(asset.id)}"]`);
      if (!tile) {
        tile = el('button', { class: 'asset', 'data-asset': asset.id, type: 'button', onclick: () => selectAsset(asset.id) },
          el('span', { class: 'name' }), el('span', { class: 'detail' }));
        plant.append(tile);
      }
      tile.className = `asset ${asset.state}${asset.id === state.selected ? ' selected' : ''}`;
      tile.dataset.state = asset.state;
      tile.querySelector('.name').textContent = asset.name;
      const suspect = asset.signals.filter((g) => g.trust === 'suspect').map((g) => g.id);
      if (asset.id === state.selected) describeAsset(asset);
      tile.querySelector('.detail').textContent = [asset.state, asset.readOnly ? 'read-only' : '', suspect.length ? 'suspect: ' + suspect.join(', ') : '']
        .filter(Boolean).join(' · ');
    }
    renderRows('approvals', s.approvals, (a) => [
      a.id, a.incidentId, a.action, a.target, time(a.deadline),
      canDecide() ? el('span', {}, el('button', { class: 'approve', 'data-id': a.id, type: 'button', onclick: () => decide('approvals', a.id, 'approve') }, 'Approve'), ' ',
        el('button', { class: 'deny', 'data-id': a.id, type: 'button', onclick: () => decide('approvals', a.id, 'deny') }, 'Deny')) : '',
    ]);
    renderRows('quarantines', s.quarantines, (q) => [
      q.id, q.kind, q.target, time(q.since), q.by,
      canDecide() ? el('button', { class: 'release', 'data-id': q.id, type: 'button', onclick: () => decide('quarantines', q.id, 'release') }, 'Release') : '',
    ]);
  }

  // Rebuilds a table only when its content changed, so a button is never replaced under the pointer.
  function renderRows(table, items, cells) {
    const signature = JSON.stringify(items.map((i) => i.id));
    if (state.lists[table] === signature) return;
    state.lists[table] = signature;
    const body = $(`#${table} tbody`);
    body.replaceChildren(...items.map((item) => el('tr', { 'data-id': item.id }, ...cells(item).map((c) => el('td', {}, c)))));
  }

  async function decide(kind, id, verb) {
    const reason = $('#reason').value.trim();
    if (!reason) { message('Write a reason first: it is recorded with your key\'s name.', true); $('#reason').focus(); return; }
    try {
      const result = await api(`/api/${kind}/${id}/${verb}`, { method: 'POST', body: { reason } });
      message(`${kind === 'approvals' ? 'Approval' : 'Quarantine'} ${id}: ${verb === 'release' ? 'released' : result.status}`);
      state.lists[kind] = null;
    } catch (error) {
      message(`${verb} ${id} refused: ${error.message}`, true);
    }
  }

  // ---- one asset's charts ----------------------------------------------------------------------------------------
  async function selectAsset(id) {
    state.selected = id;
    document.querySelectorAll('.asset').forEach((t) => t.classList.toggle('selected', t.dataset.asset === id));
    for (const chart of state.charts.values()) chart.destroy();
    state.charts.clear();
    $('#charts').replaceChildren();
    const asset = await api(`/api/assets/${encodeURIComponent(id)}`);
    describeAsset(asset);
    for (const signal of asset.signals) {
      const box = el('div', { class: 'chart', 'data-signal': signal.id }, el('h4', {}, `${signal.id} (${signal.unit})`));
      $('#charts').append(box);
    }
    await refreshCharts();
    clearInterval(state.chartTimer);
    state.chartTimer = setInterval(refreshCharts, 2000);
  }

  function describeAsset(asset) {
    $('#asset-title').textContent = `${asset.name} (${asset.id})`;
    $('#asset-meta').textContent = `${asset.kind}; state ${asset.state}${asset.readOnly ? '; twin read-only (lockdown)' : ''}${asset.maintenance?.enabled ? '; under maintenance' : ''}. `
      + 'Blue: trusted readings; green band: the twin\'s expected value ± k·spread; red dots: findings.';
  }

  // The twin's relations that read this asset: the integrity check between the model and the physical asset.
  async function refreshRelations(id) {
    let relations;
    try {
      relations = await api(`/api/relations?asset=${encodeURIComponent(id)}`);
    } catch { return; }
    if (id !== state.selected) return;
    const number = (v) => (v === null || v === undefined ? '' : Number(v).toPrecision(4));
    $('#relations tbody').replaceChildren(...relations.map((r) => el('tr', { 'data-relation': r.relationId, class: `relation-${r.state}` },
      ...[el('span', { title: r.expression }, r.relationId), r.state, number(r.measured), number(r.expected), number(r.residual), `± ${number(r.tolerance)}`]
        .map((c) => el('td', {}, c)))));
  }

  async function refreshCharts() {
    const id = state.selected;
    if (!id || typeof uPlot === 'undefined') return;
    await refreshRelations(id);
    for (const box of document.querySelectorAll('#charts .chart')) {
      const signal = box.dataset.signal;
      let readings;
      try {
        readings = await api(`/api/assets/${encodeURIComponent(id)}/signals/${encodeURIComponent(signal)}/readings?max=600`);
      } catch { return; }
      if (id !== state.selected) return;
      const data = chartData(readings);
      const chart = state.charts.get(signal);
      if (chart) chart.setData(data);
      else state.charts.set(signal, new uPlot(chartOptions(signal, readings, box.clientWidth || 460), data, box));
    }
  }

  function chartData(r) {
    const markers = r.times.map(() => null);
    for (const a of r.anomalies) {
      const i = nearest(r.times, a.time);
      if (i >= 0 && Math.abs(r.times[i] - a.time) < 5) markers[i] = a.value ?? r.values[i];
    }
    return [r.times, r.values, r.lower, r.upper, markers];
  }

  function nearest(times, t) {
    let lo = 0, hi = times.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] < t) lo = mid + 1; else hi = mid; }
    return lo > 0 && Math.abs(times[lo - 1] - t) < Math.abs(times[lo] - t) ? lo - 1 : lo;
  }

  function chartOptions(signal, r, width) {
    const band = 'rgba(46,157,75,0.55)';
    return {
      width: Math.max(320, width - 10),
      height: 170,
      scales: { x: { time: true } },
      series: [
        {},
        { label: `${signal} (${r.unit})`, stroke: '#1d6fd6', width: 1.5 },
        { label: `expected − ${r.bandWidth}σ`, stroke: band, dash: [4, 4], width: 1 },
        { label: `expected + ${r.bandWidth}σ`, stroke: band, dash: [4, 4], width: 1 },
        { label: 'finding', stroke: '#d62f2f', fill: '#d62f2f', width: 0, paths: () => null, points: { show: true, size: 8, fill: '#d62f2f', stroke: '#d62f2f' } },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(46,157,75,0.12)' }],
    };
  }

  // ---- silos (/api/cluster): one on a single node, every member of a cluster, dead ones included ------------------
  async function loadSilos() {
    let cluster;
    try { cluster = await api('/api/cluster'); } catch { return; }
    const active = cluster.silos.filter((s) => s.status === 'Active').length;
    $('#cluster-title').textContent = `Silos of ${cluster.clusterId}: ${active} active`;
    $('#silos tbody').replaceChildren(...cluster.silos.map((s) => el('tr', { class: s.status === 'Active' ? '' : 'dead' },
      el('td', {}, s.name || s.address), el('td', {}, s.status),
      el('td', {}, s.cpuPercent == null ? '-' : `${s.cpuPercent.toFixed(0)} %`), el('td', {}, s.memoryMb == null ? '-' : `${s.memoryMb.toFixed(0)} MB`),
      el('td', {}, s.twins), el('td', {}, s.twinIds.join(' ')))));
  }

  // ---- incidents -------------------------------------------------------------------------------------------------
  async function loadIncidents() {
    let incidents;
    try { incidents = await api('/api/incidents?limit=50'); } catch { return; }
    $('#incidents tbody').replaceChildren(...incidents.map((i) => el('tr', { class: 'clickable', 'data-id': i.id, onclick: () => showIncident(i.id) },
      el('td', {}, i.id), el('td', {}, time(i.opened)), el('td', { class: 'sev-' + i.severity }, i.severity), el('td', {}, i.scope),
      el('td', {}, techniques(i.attack)), el('td', {}, i.campaignId ? `#${i.campaignId}` : '-'), el('td', {}, i.title))));
  }

  // MITRE ATT&CK for ICS technique ids, each linking to its page.
  function techniques(attack) {
    if (!attack || attack.length === 0) return '-';
    const span = el('span', {});
    attack.forEach((t, n) => {
      if (n > 0) span.append(' ');
      span.append(el('a', { href: `https://attack.mitre.org/techniques/${t.id}/`, title: t.name, target: '_blank', rel: 'noopener' }, t.id));
    });
    return span;
  }

  async function showIncident(id) {
    state.incident = id;
    let d;
    try { d = await api(`/api/incidents/${id}`); } catch (error) { message(error.message, true); return; }
    $('#incident-panel').hidden = false;
    $('#verdicts').hidden = !canDecide();
    const last = d.verdicts[d.verdicts.length - 1];
    if (last) $('#verdict-message').textContent = `${last.value} by ${last.by}: ${last.comment}`;
    $('#incident-title').textContent = `Incident ${d.incident.id}: ${d.incident.title}`;
    // One intrusion, one incident: its stages in kill-chain order, each with its techniques; a campaign only links incidents an operator closed.
    const chain = d.stages.length > 1 ? ` ${d.stages.length} stages: ${d.stages.map((s) => `${s.number} ${s.scope} ${s.attack.map((t) => t.id).join(' ') || '-'}${s.occurrences > 1 ? ` (×${s.occurrences}, last ${new Date(s.lastSeen).toISOString().slice(11, 19)})` : ''}`).join(' → ')}.` : '';
    const stages = chain + (d.campaign.length > 1 ? ` Campaign #${d.campaign[0].id}: ${d.campaign.length} incidents (${d.campaign.map((c) => '#' + c.id).join(', ')}).` : '');
    $('#incident-attack').textContent = 'MITRE ATT&CK for ICS: '
      + (d.incident.attack.length ? d.incident.attack.map((t) => `${t.id} ${t.name} (${t.tactics.map((x) => x.name).join(', ')})`).join('; ') : 'none') + '.' + stages;
    $('#timeline').replaceChildren(...d.timeline.map((t) => el('li', {}, `${time(t.time)} `, el('span', { class: 'kind' }, t.kind), t.text, t.by ? el('span', { class: 'by' }, ` — ${t.by}`) : '')));
    $('#evidence tbody').replaceChildren(...d.findings.map((f) => el('tr', {},
      el('td', {}, time(f.time)), el('td', { class: 'sev-' + f.severity }, f.severity), el('td', {}, f.reason), el('td', {}, techniques(f.attack)),
      el('td', {}, f.signalId ?? '-'), el('td', {}, f.value === null ? '-' : String(f.value)), el('td', {}, f.message))));
    $('#actions tbody').replaceChildren(...d.actions.map((a) => el('tr', {},
      el('td', {}, time(a.time)), el('td', {}, a.action), el('td', {}, a.target), el('td', {}, a.outcome), el('td', {}, a.by))));
  }

  async function giveVerdict(verdict) {
    const comment = $('#reason').value.trim();
    const out = $('#verdict-message');
    if (!comment) { out.textContent = 'Write a reason first: it is the verdict\'s comment.'; out.className = 'message error'; return; }
    try {
      const v = await api(`/api/incidents/${state.incident}/verdict`, { method: 'POST', body: { verdict, comment } });
      out.textContent = `${v.value} by ${v.by}: ${v.comment}`;
      out.className = 'message';
    } catch (error) {
      out.textContent = `Verdict refused: ${error.message}`;
      out.className = 'message error';
    }
  }

  $('#verdict-confirmed').addEventListener('click', () => giveVerdict('confirmed_attack'));
  $('#verdict-false').addEventListener('click', () => giveVerdict('false_positive'));

  TwinGuardSession.signIn('#main', (me) => {
    state.me = me;
    $('#logout').hidden = false;
    connect();
    loadIncidents();
    loadSilos();
    setInterval(loadSilos, 10000);
  });
})();
