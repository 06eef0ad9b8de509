// The message tester: inject a message as if a connector received it, then show what the
// hub sent back to that address (the bucket connector's record) as a chat.
import { api, element } from './common.js';

const form = document.getElementById('tester-form');
const chat = document.getElementById('chat');
const shown = new Set();

function bubble(kind, who, text) {
  const li = element('li', kind);
  if (who) li.append(element('span', 'who', who));
  li.append(document.createTextNode(text));
  chat.append(li);
}

async function collectReplies(connector, to, tries) {
  const query = new URLSearchParams({ connector, to });
  const { items } = await api('GET', `/api/v1/tester/sent?${query}`);
  for (const item of items) {
    if (shown.has(item.delivery_id)) continue;
    shown.add(item.delivery_id);
    bubble('hub', form.dataset.hub, item.text);
  }
  if (tries > 0) setTimeout(() => collectReplies(connector, to, tries - 1), 400);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const connector = form.connector.value;
  const from = form.from.value.trim();
  const text = form.text.value;
  if (!text) return;
  bubble('you', `${form.dataset.you} (${from})`, text);
  form.text.value = '';
  try {
    const result = await api('POST', '/api/v1/tester/inbound', { connector, from, text });
    const note = result.inbox_item_id ? form.dataset.inbox : result.disposition === 'drop' ? form.dataset.dropped : form.dataset.handled;
    bubble('note', null, note);
    await collectReplies(connector, from, 6);
  } catch (error) {
    bubble('note', null, `${form.dataset.failed} ${error.message}`);
  }
});

// What was sent to the address before this page was opened is not news: mark it seen.
(async () => {
  try {
    const query = new URLSearchParams({ connector: form.connector.value, to: form.from.value });
    const { items } = await api('GET', `/api/v1/tester/sent?${query}`);
    for (const item of items) shown.add(item.delivery_id);
  } catch { /* the first send will show everything */ }
})();
