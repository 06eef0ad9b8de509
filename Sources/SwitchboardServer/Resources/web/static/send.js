// The send page: recipients with completion from the address book, the SMS counter of the
// plain text, the rich-text editor and attachments, a template's data, the pre-send report
// (POST /api/v1/messages/preview) and the send itself (JSON to /send with the CSRF token and
// the page's idempotency key, so a double click sends once), then the message's page.
import { csrfToken, element } from './common.js';
import { smsCount } from './smscount.js';
import { serialize, setUpEditor, isEmpty } from './richtext.js';

const form = document.getElementById('send-form');
const t = form.dataset;
const to = document.getElementById('send-to');
const text = document.getElementById('send-text');
const counter = document.getElementById('sms-counter');
const editor = document.getElementById('rich-editor');
const files = document.getElementById('send-attachments');
const fileList = document.getElementById('attachment-list');
const templateSelect = document.getElementById('send-template');
const status = document.getElementById('send-status');
const report = document.getElementById('report');
const sendButton = document.getElementById('send-button');
const previewButton = document.getElementById('preview-button');
const search = document.getElementById('recipient-search');
const options = document.getElementById('recipient-options');
const chips = document.getElementById('recipient-chips');

for (const hidden of [document.getElementById('recipient-finder'), document.getElementById('rich-box'), previewButton]) hidden.hidden = false;

// JSON to the hub; an error answer becomes an Error with the hub's own message.
async function call(path, body, headers = {}) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, ...headers },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message ?? `${response.status}`);
  return answer;
}

// --- recipients ---------------------------------------------------------------------
// Groups and contacts are searched in the hub's store as one types, a few at a time
// (GET /api/v1/groups?q=…&limit=…, GET /api/v1/contacts?q=…&limit=…), so the page never
// reads the directory.
const contactChoices = 10;
const names = new Map();
const offered = new Set();
let asked = 0;

async function getJSON(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${response.status}`);
  return response.json();
}

async function findGroups(query) {
  const params = new URLSearchParams({ limit: `${contactChoices}` });
  if (query !== '') params.set('q', query);
  const answer = await getJSON(`/api/v1/groups?${params}`);
  return answer.items.map((g) => ({ value: `group:${g.name}`, name: g.name, label: `${g.name} (${t.group})` }));
}

// A chip's text: the name completion gave it, else a group's name, else the address as typed.
function chipName(value) {
  return names.get(value) ?? (value.startsWith('group:') ? value.slice('group:'.length) : value);
}

async function findContacts(query) {
  const params = new URLSearchParams({ limit: `${contactChoices}` });
  if (query !== '') params.set('q', query);
  const answer = await getJSON(`/api/v1/contacts?${params}`);
  return answer.items.map((c) => ({ value: `contact:${c.id}`, name: c.name, label: `${c.name} (${t.contact}) ${c.addresses.join(', ')}` }));
}

function lines() {
  return to.value.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== '');
}

function renderChips() {
  chips.replaceChildren();
  for (const value of lines()) {
    const li = element('li', 'chip');
    li.append(element('span', null, chipName(value)));
    const remove = element('button', 'chip-remove', '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', `${t.remove} ${chipName(value)}`);
    remove.addEventListener('click', () => {
      to.value = lines().filter((v) => v !== value).join('\n');
      renderChips();
      search.focus();
    });
    li.append(remove);
    chips.append(li);
  }
}

async function suggest() {
  const query = search.value.trim();
  const mine = ++asked;
  const [groupEntries, contactEntries] = await Promise.all([
    // `group:fie` completes as `fie` does.
    findGroups(query.replace(/^group:/i, '')).catch(() => []),
    findContacts(query).catch(() => []),
  ]);
  // A later keystroke's answer wins over this one.
  if (mine !== asked) return;
  const matches = [...groupEntries, ...contactEntries];
  for (const entry of matches) {
    names.set(entry.value, entry.name);
    offered.add(entry.value);
  }
  options.replaceChildren(...matches.map((e) => {
    const option = element('option');
    option.value = e.value;
    option.label = e.label;
    return option;
  }));
}

function addRecipient() {
  const value = search.value.trim();
  if (value === '') return;
  if (!lines().includes(value)) to.value = [...lines(), value].join('\n');
  search.value = '';
  renderChips();
}

search.addEventListener('focus', suggest);
search.addEventListener('input', (event) => {
  // A choice from the list arrives as a replacement of the whole value.
  if (event.inputType === undefined || event.inputType === 'insertReplacementText') {
    if (offered.has(search.value)) {
      addRecipient();
      return;
    }
  }
  suggest();
});
search.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    addRecipient();
  }
});
document.getElementById('recipient-add').addEventListener('click', addRecipient);
to.addEventListener('input', renderChips);
renderChips();

// --- plain text: the SMS counter ---------------------------------------------------------
function count() {
  const c = smsCount(text.value);
  const encoding = c.encoding === 'gsm7' ? t.gsm7 : `${t.ucs2} ${c.nonGsm.join(' ')}`;
  counter.textContent = `${encoding} · ${c.units} ${t.units} · ${c.parts} ${t.parts}`;
  counter.dataset.encoding = c.encoding;
  counter.dataset.parts = String(c.parts);
}
text.addEventListener('input', count);
count();

// --- rich text and attachments -----------------------------------------------------------
setUpEditor(editor, form.querySelector('[role="toolbar"]'), document.getElementById('rich-link'), document.getElementById('rich-link-add'));

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function chosenFiles() {
  return Array.from(files.files);
}

files.addEventListener('change', () => {
  fileList.replaceChildren(...chosenFiles().map((f) => element('li', null, `${f.name} (${f.size} B)`)));
});

// --- a template --------------------------------------------------------------------------
function showTemplate() {
  const chosen = templateSelect?.value ?? '';
  for (const box of form.querySelectorAll('.template-fields')) box.hidden = box.dataset.template !== chosen;
  document.getElementById('plain-box').hidden = chosen !== '';
  editor.closest('fieldset').querySelector('.toolbar').hidden = chosen !== '';
  editor.hidden = chosen !== '';
  document.getElementById('rich-label').hidden = chosen !== '';
  form.querySelector('.link-row').hidden = chosen !== '';
}
templateSelect?.addEventListener('change', showTemplate);
showTemplate();

// --- the request, its report and the send --------------------------------------------------
async function body() {
  const request = { to: lines(), severity: form.severity.value };
  const subject = form.subject.value.trim();
  if (subject) request.subject = subject;
  const template = templateSelect?.value ?? '';
  if (template) {
    request.template = template;
    request.data = {};
    for (const input of form.querySelectorAll(`.template-fields[data-template="${CSS.escape(template)}"] input`)) {
      // An empty field is null: nothing in a variable, a section left closed.
      request.data[input.dataset.field] = input.value === '' ? null : input.value;
    }
  } else {
    request.text = text.value;
    if (!isEmpty(editor)) request.html = serialize(editor);
  }
  const chosen = chosenFiles();
  const size = chosen.reduce((sum, f) => sum + f.size, 0);
  if (size > Number(t.maxBytes)) throw new Error(`${t.tooBig} ${Math.floor(Number(t.maxBytes) / 1024)} KB`);
  if (chosen.length > 0) {
    request.attachments = await Promise.all(chosen.map(async (f) => ({
      filename: f.name, content_type: f.type || 'application/octet-stream', data: await readFile(f),
    })));
  }
  return request;
}

function fact(list, term, value) {
  list.append(element('dt', null, term), element('dd', null, value));
}

// The text with every character that forces UCS-2 in a <mark>.
function markedText(target, plain, forcing) {
  target.replaceChildren();
  const segments = typeof Intl !== 'undefined' && Intl.Segmenter
    ? Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(plain.normalize('NFC')), (s) => s.segment)
    : Array.from(plain.normalize('NFC'));
  let run = '';
  for (const g of segments) {
    if (forcing.includes(g)) {
      if (run) target.append(document.createTextNode(run));
      run = '';
      target.append(element('mark', null, g));
    } else {
      run += g;
    }
  }
  if (run) target.append(document.createTextNode(run));
}

function showReport(r) {
  const d = report.dataset;
  const verdict = document.getElementById('report-verdict');
  verdict.textContent = r.sendable ? d.ok : `${d.refused} ${r.refusal.message}`;
  verdict.className = r.sendable ? 'ok' : 'error';
  const summary = document.getElementById('report-summary');
  summary.replaceChildren();
  const byChannel = Object.entries(r.deliveries).map(([channel, n]) => `${channel} ${n}`).join(', ');
  fact(summary, d.deliveries, `${r.total_deliveries}${byChannel ? ` (${byChannel})` : ''}`);
  const encoding = r.sms.encoding === 'gsm7' ? d.encodingGsm7 : d.encodingUcs2;
  fact(summary, d.encoding, `${encoding} · ${r.sms.units} ${d.units} · ${r.sms.parts} ${d.parts}`);
  if (r.sms.non_gsm_characters.length > 0) fact(summary, d.forcing, r.sms.non_gsm_characters.join(' '));
  const total = element('dd', 'total-sms', String(r.sms.total_sms));
  total.id = 'report-total-sms';
  summary.append(element('dt', null, d.total), total);
  markedText(document.getElementById('report-text'), r.message.text, r.sms.non_gsm_characters);

  const rows = report.querySelector('#report-recipients tbody');
  rows.replaceChildren();
  for (const person of r.recipients) {
    const tr = element('tr');
    tr.dataset.name = person.name;
    const who = element('td');
    who.append(element('strong', null, person.name), element('span', 'address', ` ${d.via} ${person.via.join(', ')}`));
    const gets = element('td');
    const list = element('ul', 'gets');
    for (const delivery of person.deliveries) {
      const parts = delivery.gets.map((g) => d[`gets${g[0].toUpperCase()}${g.slice(1)}`] ?? g).join(', ');
      const li = element('li', null, `${delivery.channel}: ${delivery.address} — ${parts}${delivery.duplicate ? ` ${d.duplicate}` : ''}`);
      li.dataset.channel = delivery.channel;
      list.append(li);
    }
    gets.append(list);
    const missing = element('td', 'missing');
    for (const problem of person.problems) missing.append(element('p', null, problem.message));
    tr.append(who, gets, missing);
    rows.append(tr);
  }
  const lost = document.getElementById('report-unreachable');
  lost.replaceChildren(...r.unreachable.map((u) => {
    const li = element('li');
    li.dataset.name = u.name;
    li.append(element('strong', null, u.name));
    for (const problem of u.problems) li.append(element('span', 'reason', ` ${problem.message}`));
    if (u.refuses_send) li.append(element('span', 'error', ` (${d.refuses})`));
    return li;
  }));
  document.getElementById('report-nobody').hidden = r.unreachable.length > 0;
  report.hidden = false;
  document.getElementById('report-heading').focus();
}

previewButton.addEventListener('click', async () => {
  status.textContent = '';
  try {
    showReport(await call('/api/v1/messages/preview', await body()));
  } catch (error) {
    status.textContent = `${t.failed} ${error.message}`;
  }
});

let sending = false;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (sending) return;
  sending = true;
  sendButton.disabled = true;
  status.textContent = '';
  const label = sendButton.textContent;
  sendButton.textContent = t.sending;
  try {
    const answer = await call('/send', await body(), { 'Idempotency-Key': document.getElementById('send-key').value });
    window.location.assign(answer.location);
  } catch (error) {
    status.textContent = `${t.failed} ${error.message}`;
    sending = false;
    sendButton.disabled = false;
    sendButton.textContent = label;
  }
});
