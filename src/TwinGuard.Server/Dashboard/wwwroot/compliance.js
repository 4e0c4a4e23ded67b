// TwinGuard compliance page: plain browser JavaScript, no build step. Uses the key the dashboard keeps in this tab
// (sessionStorage), asks /api/compliance/report for the JSON report and shows its status table; each cited ledger
// entry opens with its payload and proof from the same report. All text goes in via textContent.
'use strict';
(() => {
  const el = TwinGuardSession.el;
  const $ = (selector) => document.querySelector(selector);
  const state = { report: null, standards: [], urls: [] };


  const api = (path) => TwinGuardSession.request(path);

  async function ready() {
    try {
      state.standards = await (await api('/api/compliance/standards')).json();
    } catch (error) {
      $('#compliance-message').textContent = 'Cannot read the standards: ' + error.message;
      return;
    }
    const select = $('#standard');
    select.replaceChildren(...state.standards.map((s) => el('option', { value: s.id }, `${s.title} (${s.controls} controls)`)));
    select.addEventListener('change', levels);
    levels();
  }

  function levels() {
    const standard = state.standards.find((s) => s.id === $('#standard').value);
    $('#sl-label').hidden = !(standard && standard.hasLevels);
  }

  function query(format) {
    const params = new URLSearchParams({ standard: $('#standard').value, format });
    if (!$('#sl-label').hidden && $('#target-sl').value) params.set('targetSl', $('#target-sl').value);
    if ($('#from').value) params.set('from', $('#from').value);
    if ($('#to').value) params.set('to', $('#to').value);
    return '/api/compliance/report?' + params;
  }

  async function makeReport(event) {
    event.preventDefault();
    $('#compliance-message').textContent = 'reading the ledger...';
    $('#make-report').disabled = true;
    try {
      const started = performance.now();
      const json = await (await api(query('json'))).text();
      state.report = JSON.parse(json);
      render(state.report);
      offer('#download-json', new Blob([json], { type: 'application/json' }));
      const html = await (await api(query('html'))).text();
      offer('#download-html', new Blob([html], { type: 'text/html' }));
      $('#downloads').hidden = false;
      $('#compliance-message').textContent = `report made in ${Math.round(performance.now() - started)} ms`;
    } catch (error) {
      $('#compliance-message').textContent = 'No report: ' + error.message;
    } finally {
      $('#make-report').disabled = false;
    }
  }

  function offer(selector, blob) {
    const link = $(selector);
    const url = URL.createObjectURL(blob);
    state.urls.push(url);
    link.href = url;
  }

  function render(report) {
    const s = report.summary;
    $('#compliance-summary').textContent = `${report.standard.title}${report.targetSecurityLevel ? ', SL ' + report.targetSecurityLevel : ''}: `
      + `${s['met']} met, ${s['partly-met']} partly met, ${s['not-met']} not met, ${s['outside-scope']} outside TwinGuard's scope`;
    $('#compliance-ledger').textContent = `ledger ${report.ledger.verified ? 'verified' : 'DOES NOT VERIFY'} (${report.ledger.scope}); `
      + `signed checkpoint of ${report.checkpoint.treeSize} entries; ${report.citations.length} entries cited with proofs`;
    const rows = report.controls.map((c) => el('tr', { 'data-id': c.id, 'data-status': c.status },
      el('td', {}, c.id), el('td', {}, c.title), el('td', {}, c.sl ? String(c.sl) : ''),
      el('td', {}, el('span', { class: 'status ' + c.status }, c.status.replace('-', ' '))),
      el('td', { class: 'reason' }, c.reason, evidence(c)),
      el('td', {}, c.gap ?? '')));
    $('#compliance-table tbody').replaceChildren(...rows);
  }

  function evidence(control) {
    if (control.evidence.length === 0) return '';
    return el('ul', {}, ...control.evidence.map((e) => el('li', {},
      el('span', { class: 'status ' + e.status }, e.status.replace('-', ' ')), ' ', e.summary,
      ...e.entries.flatMap((index) => [' ', el('a', { href: '#entry-' + index, class: 'entry', 'data-entry': String(index), onclick: (ev) => { ev.preventDefault(); showEntry(index); } }, '#' + index)]))));
  }

  function showEntry(index) {
    const citation = state.report.citations.find((c) => c.index === index);
    if (!citation) return;
    $('#entry-detail').hidden = false;
    $('#entry-title').textContent = `Ledger entry ${citation.index} (${citation.kind}, ${citation.timestamp})`;
    $('#entry-summary').textContent = citation.summary;
    $('#entry-path-length').textContent = String(citation.proof.path.length);
    $('#entry-tree-size').textContent = String(citation.proof.treeSize);
    let payload;
    try { payload = JSON.stringify(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(citation.payloadBase64), (c) => c.charCodeAt(0)))), null, 2); }
    catch { payload = citation.payloadBase64; }
    $('#entry-payload').textContent = payload;
    $('#entry-detail').scrollIntoView();
  }

  $('#compliance-form').addEventListener('submit', makeReport);
  TwinGuardSession.signIn('#compliance-main', ready);
})();
