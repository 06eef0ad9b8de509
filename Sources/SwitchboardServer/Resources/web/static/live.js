// The live inbox socket on every page: unread counts in the title and the navigation, a toast
// and (when allowed) a browser notification for each new item; pages listen for
// `inbox:item` events to show rows.
import { element } from './common.js';

const badges = () => document.querySelectorAll('[data-unread]');
const baseTitle = document.title.replace(/^\(\d+\) /, '');

function count(kind) {
  const badge = document.querySelector(`[data-unread="${kind}"]`);
  return badge ? Number.parseInt(badge.firstChild?.textContent ?? '0', 10) || 0 : 0;
}

function adjustCount(kind, delta) {
  for (const badge of badges()) {
    if (badge.dataset.unread !== kind) continue;
    const next = Math.max(0, count(kind) + delta);
    badge.firstChild.textContent = String(next);
    badge.hidden = next === 0;
  }
  const total = count('common') + count('mine');
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
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
function connect() {
  const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws/inbox');
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === 'ready') {
      delay = 500;
      setStatus(true);
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
    delay = Math.min(delay * 2, 30000);
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
