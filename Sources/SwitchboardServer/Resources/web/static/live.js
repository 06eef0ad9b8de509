// The live inbox socket on every page: unread counts in the title and the navigation, a toast
// and (when allowed) a browser notification for each new item; pages listen for
// `inbox:item` events to show rows.
import { api, element } from './common.js';

const badges = () => document.querySelectorAll('[data-unread]');
const baseTitle = document.title.replace(/^\(\d+\) /, '');

function count(kind) {
  const badge = document.querySelector(`[data-unread="${kind}"]`);
  return badge ? Number.parseInt(badge.firstChild?.textContent ?? '0', 10) || 0 : 0;
}

function setCount(kind, value) {
  for (const badge of badges()) {
    if (badge.dataset.unread !== kind) continue;
    badge.firstChild.textContent = String(value);
    badge.hidden = value === 0;
  }
  const total = count('common') + count('mine');
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}

function adjustCount(kind, delta) {
  setCount(kind, Math.max(0, count(kind) + delta));
}

// After the socket was away (a restart, a network change), what came meanwhile was not
// pushed: the counts are read again, and an inbox page that is behind reloads.
async function catchUp() {
  let counts;
  try {
    counts = await api('GET', '/api/v1/inbox/unread-count');
  } catch {
    return;
  }
  const behind = counts.common !== count('common') || counts.mine !== count('mine');
  setCount('common', counts.common);
  setCount('mine', counts.mine);
  if (behind && ['inbox', 'mine'].includes(document.body.dataset.page)) location.reload();
}

function toast(text, href) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const note = element('div', 'toast');
  const link = element('a', null, text);
  link.href = href;
  note.append(link);
  box.append(note);
  setTimeout(() => note.remove(), 8000);
}

function notify(text, href) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
  const n = new Notification(text);
  n.onclick = () => { window.focus(); location.href = href; };
}

function setStatus(live) {
  const status = document.getElementById('live-status');
  if (!status) return;
  status.dataset.live = String(live);
  status.textContent = live ? status.dataset.on : status.dataset.off;
}

let delay = 500;
let connectedBefore = false;
function connect() {
  const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws/inbox');
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === 'ready') {
      delay = 500;
      setStatus(true);
      if (connectedBefore) catchUp();
      connectedBefore = true;
    } else if (frame.type === 'item') {
      const item = frame.item;
      adjustCount(item.owner ? 'mine' : 'common', 1);
      const label = document.getElementById('unread-items')?.dataset.textNew ?? 'New message from';
      const text = `${label} ${item.from_name}: ${item.preview}`;
      toast(text, `/inbox/${item.id}`);
      notify(text, `/inbox/${item.id}`);
      document.dispatchEvent(new CustomEvent('inbox:item', { detail: item }));
    }
  };
  socket.onclose = (event) => {
    setStatus(false);
    if (event.code === 4401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return; }
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  };
}

const enable = document.getElementById('enable-notifications');
if (enable && 'Notification' in window && Notification.permission === 'default') {
  enable.hidden = false;
  enable.addEventListener('click', async () => {
    await Notification.requestPermission();
    enable.hidden = true;
  });
}

document.addEventListener('inbox:count', (event) => adjustCount(event.detail.kind, event.detail.delta));

if (document.body.dataset.user) connect();

// At phone width the navigation scrolls sideways: keep the current page's link in view.
document.querySelector('header.top a[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
