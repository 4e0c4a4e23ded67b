// TwinGuard SOC view: plain browser JavaScript, no build step. Uses the key the dashboard keeps in this tab
// (sessionStorage), lists the peers (/api/peers) and the incidents of every site (/api/soc/incidents), refreshing every
// 5 s. All text goes in via textContent.
'use strict';
(() => {
  const $ = (selector) => document.querySelector(selector);

  const el = TwinGuardSession.el;
  const cell = (text, attributes = {}) => el('td', attributes, text ?? '');
  const row = (attributes, ...cells) => el('tr', attributes, ...cells);

  const get = async (path) => (await TwinGuardSession.request(path)).json();

  async function ready() {
    await refresh();
    setInterval(refresh, 5000);
  }

  async function refresh() {
    try {
      const status = await get('/api/peers');
      const refused = Object.entries(status.refused).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`);
      $('#peers-summary').textContent = `${status.site} (${status.role}): kept ${status.kept} message(s) from peers, ${status.repeats} repeat(s); refused: ${refused.length ? refused.join(', ') : 'none'}`;
      $('#peers-table tbody').replaceChildren(...status.peers.map((p) => row({ 'data-peer': p.id },
        cell(p.id), cell(p.role), cell(p.send.join(', ') + (p.values ? ' (with values)' : '')),
        cell(p.broker ? (p.linked ? 'linked' : (p.problem || 'not linked')) : 'receives only'), cell(String(p.waiting)), cell(String(p.delivered)),
        cell(`ours to ${p.cosignedOurs}; theirs ${p.witnessed ? 'to ' + p.cosignedTheirs + (p.checkpointsRefused ? `, ${p.checkpointsRefused} refused` : '') : 'not witnessed'}`))));
    } catch (error) {
      $('#peers-summary').textContent = error.status === 404 ? 'This site shares with no peer.' : 'Peers: ' + error.message;
    }

    const incidents = await get('/api/soc/incidents?limit=500');
    $('#soc-table tbody').replaceChildren(...incidents.map((i) => row({ 'data-site': i.site, 'data-id': String(i.id), 'data-severity': i.severity },
      cell(i.site), cell(String(i.id)), cell(new Date(i.opened).toISOString().replace('T', ' ').slice(0, 19)),
      cell(i.severity, { class: 'severity ' + i.severity }), cell(i.title), cell(i.asset), cell(i.techniques.join(' ')), cell(i.addresses.join(' ')))));
  }

  TwinGuardSession.signIn('#soc-main', ready);
})();
