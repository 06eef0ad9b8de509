// The inbox pages: new items at the top as they arrive, mark read / unread without a reload.
// Counts are live.js's: it is told through `inbox:count` events (a module imported under
// another URL would run twice).
import { api, csrfToken, element } from './common.js';

const unread = document.getElementById('unread-items');
const read = document.getElementById('read-items');

function row(item) {
  const li = element('li', 'item unread');
  li.dataset.id = item.id;
  const meta = element('div', 'meta');
  meta.append(element('span', 'from', item.from_name));
  if (item.from_name !== item.from) meta.append(' ', element('span', 'address', item.from));
  meta.append(' ', element('span', 'tag channel', item.channel), ' ', element('span', 'tag connector', item.connector));
  if (item.form) meta.append(' ', element('span', 'tag form', unread.dataset.textForm));
  const time = element('time', null, item.received_label);
  time.dateTime = item.received_at;
  meta.append(' ', time);
  const preview = element('a', 'preview', item.preview);
  preview.href = `/inbox/${item.id}`;
  const form = element('form', 'mark');
  form.method = 'post';
  form.action = `/inbox/${item.id}/read`;
  for (const [name, value] of [['_csrf', csrfToken], ['back', unread.dataset.back]]) {
    const input = element('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  const button = element('button', 'mark-button', unread.dataset.textRead);
  button.type = 'submit';
  form.append(button);
  li.append(meta, preview, form);
  return li;
}

document.addEventListener('inbox:item', (event) => {
  const item = event.detail;
  const scope = unread.dataset.scope;
  const belongs = scope === 'all' || (scope === 'common' ? !item.owner : Boolean(item.owner));
  if (!belongs || unread.dataset.filtered === 'true' || unread.querySelector(`[data-id="${item.id}"]`)) return;
  unread.prepend(row(item));
  document.getElementById('unread-empty').hidden = true;
  // "Mark all read" covers what the page shows, this item included.
  const markAll = document.getElementById('mark-all-form');
  if (markAll) {
    const upTo = markAll.querySelector('input[name="up_to"]');
    if (!upTo.value || Number(upTo.value) < item.id) upTo.value = String(item.id);
    markAll.hidden = false;
  }
});

// Mark read / unread through the API; the form posts normally where scripts do not run.
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!form.classList?.contains('mark')) return;
  event.preventDefault();
  const li = form.closest('li');
  const makeRead = form.action.endsWith('/read');
  try {
    await api('POST', `/api/v1/inbox/${li.dataset.id}/${makeRead ? 'read' : 'unread'}`);
  } catch {
    form.submit();
    return;
  }
  li.classList.toggle('unread', !makeRead);
  form.action = form.action.replace(/\/(read|unread)$/, makeRead ? '/unread' : '/read');
  form.querySelector('button').textContent = makeRead ? unread.dataset.textUnread : unread.dataset.textRead;
  const owned = unread.dataset.scope === 'mine';
  document.dispatchEvent(new CustomEvent('inbox:count', { detail: { kind: owned ? 'mine' : 'common', delta: makeRead ? -1 : 1 } }));
  (makeRead ? read : unread).prepend(li);
  document.getElementById('unread-empty').hidden = unread.children.length > 0;
});
