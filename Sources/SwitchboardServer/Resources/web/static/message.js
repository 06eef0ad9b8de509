// A sent message's page: its deliveries' status and attempts follow the hub (polled from the
// API while any delivery of the message is still on its way). Each poll asks for the page
// shown (its first rows) and the message's counts by status, never every delivery.
import { api } from './common.js';

const table = document.getElementById('deliveries');
const id = table?.dataset.message;
// Still on its way, or sent and perhaps about to be reported delivered.
const moving = new Set(['queued', 'sending', 'sent']);
const shown = Math.min(1000, Math.max(1, table?.querySelectorAll('tr[data-id]').length ?? 1));

async function refresh(rounds) {
  let message;
  try {
    message = await api('GET', `/api/v1/messages/${encodeURIComponent(id)}?limit=${shown}`);
  } catch {
    return;
  }
  const counts = message.delivery_counts ?? {};
  const pending = [...moving].some((status) => (counts[status] ?? 0) > 0);
  for (const delivery of message.deliveries) {
    const row = table.querySelector(`tr[data-id="${CSS.escape(delivery.id)}"]`);
    if (!row) continue;
    const status = row.querySelector('.status');
    if (status.dataset.status !== delivery.status) {
      status.dataset.status = delivery.status;
      status.className = `status status-${delivery.status}`;
      status.firstChild.textContent = delivery.status;
    }
    row.querySelector('.attempts').textContent = String(delivery.attempts);
    row.querySelector('.connector').textContent = delivery.connector ?? '-';
  }
  if (pending && rounds > 0) setTimeout(() => refresh(rounds - 1), 1500);
}

if (table && id) refresh(200);
