// The contact form: each address is checked as it is typed, by the hub's own parser
// (POST /api/v1/addresses/check), and its reason is shown under the field; saving checks again.
import { api, element } from './common.js';

const fieldset = document.getElementById('addresses');
const addButton = document.getElementById('add-address');

function watch(input) {
  const reason = document.getElementById(`${input.id}-reason`);
  let timer;
  let asked = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = input.value.trim();
      const mine = ++asked;
      if (!text) {
        reason.textContent = '';
        reason.className = 'field-reason';
        input.removeAttribute('aria-invalid');
        return;
      }
      let verdict;
      try {
        verdict = await api('POST', '/api/v1/addresses/check', { address: text });
      } catch {
        return; // saving checks again
      }
      if (mine !== asked) return; // a later keystroke's answer is the one to show
      if (verdict.valid) {
        reason.textContent = `${fieldset.dataset.ok} ${verdict.address}`;
        reason.className = 'field-reason ok';
        input.setAttribute('aria-invalid', 'false');
      } else {
        reason.textContent = verdict.reason;
        reason.className = 'field-reason';
        input.setAttribute('aria-invalid', 'true');
      }
    }, 250);
  });
}

function addField() {
  const count = fieldset.querySelectorAll('input[data-check-address]').length;
  const id = `address-${count}`;
  const field = element('div', 'field address-field');
  const label = element('label', null, `${fieldset.dataset.label} ${count + 1}`);
  label.htmlFor = id;
  const input = element('input');
  input.id = id;
  input.name = 'addresses[]';
  input.autocomplete = 'off';
  input.dataset.checkAddress = '';
  input.setAttribute('aria-describedby', `${id}-reason address-hint`);
  const reason = element('p', 'field-reason');
  reason.id = `${id}-reason`;
  reason.setAttribute('aria-live', 'polite');
  field.append(label, input, reason);
  addButton.before(field);
  watch(input);
  input.focus();
}

if (fieldset) {
  fieldset.querySelectorAll('input[data-check-address]').forEach(watch);
  addButton.hidden = false;
  addButton.addEventListener('click', addField);
}
