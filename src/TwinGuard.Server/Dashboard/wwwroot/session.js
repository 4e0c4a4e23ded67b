// TwinGuard dashboard pages' one way to call the API: the key the operator pasted (sessionStorage, this tab only) as a
// bearer token, and an error that carries the problem's detail and the HTTP status. Loaded before each page's script.
'use strict';
window.TwinGuardSession = Object.freeze((() => {
  const KEY = 'twinguard.key';

  /** The response to an API call; throws an Error with the problem's detail (or title) and .status when not ok. */
  async function request(path, options = {}) {
    const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    if (!response.ok) {
      let detail = response.statusText;
      try { const body = await response.json(); detail = body.detail || body.title || detail; } catch { /* not JSON */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  return { KEY, request };
})());
