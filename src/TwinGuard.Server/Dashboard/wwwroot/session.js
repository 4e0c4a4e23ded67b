// TwinGuard dashboard pages' shared parts, loaded before each page's script: the one way to call the API (the key the
// operator pasted, kept in sessionStorage for this tab only, as a bearer token; an error that carries the problem's
// detail and the HTTP status), the one sign-in flow of every page, and the element builder (all text via textContent).
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

  /** A new element with attributes ('class', 'on...' listeners, others as attributes) and children (nodes or text). */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === 'class') node.className = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ''));
    return node;
  }

  /**
   * The page's sign-in: shows #login-panel until a key is pasted into #login-form, asks /api/me with it, then hides the
   * panel, shows the page's main element, names the user in #who and calls ready(me). A refused key is forgotten.
   */
  function signIn(main, ready) {
    const $ = (selector) => document.querySelector(selector);
    async function start() {
      if (!sessionStorage.getItem(KEY)) { $('#login-panel').hidden = false; return; }
      let me;
      try {
        me = await (await request('/api/me')).json();
      } catch (error) {
        sessionStorage.removeItem(KEY);
        $('#login-panel').hidden = false;
        $('#login-error').textContent = (error.status === 401 || error.status === 403 ? 'That key was refused: ' : 'Cannot reach TwinGuard: ') + error.message;
        return;
      }
      $('#login-panel').hidden = true;
      $(main).hidden = false;
      $('#who').textContent = `${me.name} (${me.role})`;
      await ready(me);
    }
    $('#login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, $('#api-key').value.trim());
      $('#api-key').value = '';
      $('#login-error').textContent = '';
      start();
    });
    start();
  }

  return { KEY, request, el, signIn };
})());
