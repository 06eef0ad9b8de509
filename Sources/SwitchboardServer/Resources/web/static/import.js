// The CSV import: the chosen file goes as it is (text/csv) to POST /api/v1/contacts/import,
// and the report comes back as a table, one row per line of the file; nothing is parsed as HTML.
import { csrfToken, element } from './common.js';

const form = document.getElementById('import-form');
const result = document.getElementById('import-result');
const texts = form.dataset;

function cell(row, text, header) {
  const node = element(header ? 'th' : 'td', null, text);
  if (header) node.scope = header;
  row.append(node);
  return node;
}

function details(item) {
  if (item.outcome === 'refused') return item.reasons.join('; ');
  const parts = item.missing.map((what) => texts[what]);
  if (item.groups.length) parts.push(item.groups.join(', '));
  return parts.join('; ');
}

function report(answer) {
  const summary = texts.summary.replace(/\{(\w+)\}/g, (_, key) => String(answer[key] ?? ''));
  result.append(element('p', 'notice', summary));
  if (answer.groups_created.length) result.append(element('p', null, `${texts.groups} ${answer.groups_created.join(', ')}`));
  const wrap = element('div', 'table-wrap');
  const table = element('table', 'deliveries import-report');
  table.id = 'import-report';
  const head = table.createTHead().insertRow();
  for (const key of ['line', 'name', 'outcome', 'details']) cell(head, texts[key], 'col');
  const body = table.createTBody();
  for (const item of answer.rows) {
    const row = body.insertRow();
    row.dataset.outcome = item.outcome;
    row.dataset.line = String(item.line);
    cell(row, String(item.line), 'row');
    const name = cell(row, item.contact_id ? '' : item.name);
    if (item.contact_id) {
      const link = element('a', null, item.name);
      link.href = `/contacts/${encodeURIComponent(item.contact_id)}`;
      name.append(link);
    }
    cell(row, '').append(element('span', `tag outcome-${item.outcome}`, texts[item.outcome]));
    cell(row, details(item));
  }
  wrap.append(table);
  result.append(wrap);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = form.file.files[0];
  if (!file) return;
  result.replaceChildren();
  form.querySelector('button').disabled = true;
  try {
    const response = await fetch('/api/v1/contacts/import', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': csrfToken },
      body: file,
    });
    const answer = await response.json();
    if (response.ok) report(answer);
    else result.append(element('p', 'error', `${texts.failed} ${answer.message}`));
  } catch (error) {
    result.append(element('p', 'error', `${texts.failed} ${error.message}`));
  } finally {
    form.querySelector('button').disabled = false;
  }
});
