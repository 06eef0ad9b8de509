// The Switchboard inbox widget for other sites' dashboards (served at /widget.js):
//
//   <div id="hub-inbox"></div>
//   <script src="(the hub's address)/widget.js" data-token="…" data-target="#hub-inbox"></script>
//
// Draws the common inbox's unread count and its latest five items into the target element,
// and keeps them live over the hub's inbox socket (/ws/inbox?token=). The token should have
// the scope inbox:read only; the page's origin must be in the hub's server.widget_origins.
// Everything people sent is set as text, never as markup. A classic script (not a module),
// so it can find its own tag and attributes; it adds one global name, none.
(function () {
  'use strict';
  const script = document.currentScript;
  if (!script) return;
  const hub = new URL(script.src, location.href).origin;
  const token = script.dataset.token || '';
  const target = document.querySelector(script.dataset.target || '');
  if (!target) return;
  const limit = 5;
  const auth = { headers: { Authorization: 'Bearer ' + token }, credentials: 'omit', mode: 'cors', cache: 'no-store' };
  let items = [];
  let unread = 0;

  function el(name, className, text) {
    const node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const root = el('section', 'switchboard-widget');
  root.setAttribute('aria-label', script.dataset.title || 'Switchboard inbox');
  const head = el('p', 'switchboard-widget-head');
  const title = el('a', 'switchboard-widget-title', script.dataset.title || 'Inbox');
  title.href = hub + '/';
  title.target = '_blank';
  title.rel = 'noopener';
  const count = el('span', 'switchboard-widget-count', '0');
  count.setAttribute('data-switchboard-unread', '0');
  count.setAttribute('aria-live', 'polite');
  head.append(title, ' ', count, ' unread');
  const list = el('ul', 'switchboard-widget-items');
  const status = el('p', 'switchboard-widget-status');
  status.setAttribute('role', 'status');
  root.append(head, list, status);
  target.replaceChildren(root);

  function preview(subject, text) {
    const line = [subject || '', text || ''].filter((s) => s).join(' — ').replace(/\s+/g, ' ').trim();
    return line.length > 140 ? line.slice(0, 139) + '…' : line;
  }

  // A row from the API list or from the socket, as the widget shows it.
  function fromAPI(item) {
    return {
      id: item.id,
      from: item.message.from || '?',
      text: preview(item.message.subject, item.message.text),
      at: item.received_at,
      read: item.read,
    };
  }
  function fromSocket(row) {
    return { id: row.id, from: row.from_name || row.from, text: row.preview, at: row.received_at, read: row.read };
  }

  function draw() {
    count.textContent = String(unread);
    count.setAttribute('data-switchboard-unread', String(unread));
    count.title = unread + ' unread';
    const rows = items.map((item) => {
      const li = el('li', item.read ? 'switchboard-widget-item' : 'switchboard-widget-item switchboard-widget-unread');
      li.dataset.id = String(item.id);
      const when = el('time', 'switchboard-widget-time', item.at ? item.at.slice(0, 16).replace('T', ' ') + ' UTC' : '');
      when.dateTime = item.at || '';
      li.append(el('strong', 'switchboard-widget-from', item.from), ' ', el('span', 'switchboard-widget-text', item.text), ' ', when);
      return li;
    });
    list.replaceChildren(...rows);
  }

  function say(text) {
    status.textContent = text;
  }

  async function get(path) {
    const response = await fetch(hub + path, auth);
    if (!response.ok) {
      let reason = 'HTTP ' + response.status;
      try {
        reason = (await response.json()).message || reason;
      } catch {
        // not JSON: keep the status
      }
      throw new Error(reason);
    }
    return response.json();
  }

  async function load() {
    try {
      const [counts, page] = await Promise.all([
        get('/api/v1/inbox/unread-count'),
        get('/api/v1/inbox?scope=common&limit=' + limit),
      ]);
      unread = counts.common;
      items = page.items.map(fromAPI);
      draw();
      say('');
      return true;
    } catch (error) {
      say('Inbox unavailable: ' + error.message);
      return false;
    }
  }

  let delay = 1000;
  function connect() {
    const socket = new WebSocket(hub.replace(/^http/, 'ws') + '/ws/inbox?token=' + encodeURIComponent(token));
    let ready = false;
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'ready') {
        ready = true;
        delay = 1000;
        root.dataset.live = 'true';
      } else if (frame.type === 'item' && !frame.item.owner) {
        // The common inbox only: a user's own items are theirs, not the dashboard's.
        items = [fromSocket(frame.item), ...items.filter((i) => i.id !== frame.item.id)].slice(0, limit);
        if (!frame.item.read) unread += 1;
        draw();
      } else if (frame.type === 'error') {
        say('Inbox unavailable: ' + frame.message);
      }
    };
    socket.onclose = () => {
      root.dataset.live = 'false';
      // Whatever came while the socket was away is read again once it is back.
      setTimeout(async () => {
        if (ready) await load();
        connect();
      }, delay);
      delay = Math.min(delay * 2, 60000);
    };
  }

  load().then((ok) => {
    if (ok) connect();
  });
})();
