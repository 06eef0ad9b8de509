// Shared by the hub's pages: the CSRF token and JSON calls to the API.
export const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

export async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrfToken };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// Builds an element with text only: nothing from the hub is ever parsed as HTML.
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
