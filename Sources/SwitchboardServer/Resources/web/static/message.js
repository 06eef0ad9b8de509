// A sent message's page: its deliveries' status and attempts follow the hub (polled from the
// API while any delivery is still on its way).
import { api } from './common.js';

const table = document.getElementById('deliveries');
const id = table?.dataset.message;
// Still on its way, or sent and perhaps about to be reported delivered.
const moving = new Set(['queued', 'sending', 'sent']);

async function refresh(rounds) {
  let message;
  try {
    message = await api('GET', `/api/v1/messages/${encodeURIComponent(id)}`);
  } catch {
    return;
  }
  let pending = false;
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
    if (moving.has(delivery.status)) pending = true;
  }
  if (pending && rounds > 0) setTimeout(() => refresh(rounds - 1), 1500);
}

if (table && id) refresh(200);
