// The send page's small rich-text editor: a contenteditable box with bold, italic, lists and
// links, and its content written out as HTML of those elements only (text escaped, links
// http, https or mailto), read from the DOM node by node. The hub cleans it again with its
// allow-list before it is sent.
const KEPT = new Set(['b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'p', 'div', 'br', 'a']);
const LINK = /^(https?:|mailto:)/i;

function escape(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function serialize(node) {
  let out = '';
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out += escape(child.data);
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const name = child.tagName.toLowerCase();
      const inner = serialize(child);
      if (!KEPT.has(name)) {
        out += inner;
      } else if (name === 'br') {
        out += '<br>';
      } else {
        const href = name === 'a' ? child.getAttribute('href') ?? '' : '';
        const attributes = LINK.test(href) ? ` href="${escape(href)}"` : '';
        out += `<${name}${attributes}>${inner}</${name}>`;
      }
    }
  }
  return out;
}

// Wires the toolbar's buttons and the link field to the editor; the selection is kept while
// focus is in the link field, so the link goes on the text that was selected.
export function setUpEditor(editor, toolbar, linkInput, linkButton) {
  let range = null;
  document.addEventListener('selectionchange', () => {
    const selection = document.getSelection();
    if (selection.rangeCount > 0 && editor.contains(selection.anchorNode)) range = selection.getRangeAt(0).cloneRange();
  });
  const restore = () => {
    editor.focus();
    if (range) {
      const selection = document.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
  };
  document.execCommand('styleWithCSS', false, false);
  toolbar.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-command]');
    if (!button) return;
    restore();
    document.execCommand(button.dataset.command, false, null);
  });
  linkButton.addEventListener('click', () => {
    const url = linkInput.value.trim();
    if (!LINK.test(url)) {
      linkInput.setAttribute('aria-invalid', 'true');
      linkInput.focus();
      return;
    }
    linkInput.removeAttribute('aria-invalid');
    restore();
    document.execCommand('createLink', false, url);
    linkInput.value = '';
  });
}

export function isEmpty(editor) {
  return editor.textContent.trim() === '' && !editor.querySelector('li');
}
