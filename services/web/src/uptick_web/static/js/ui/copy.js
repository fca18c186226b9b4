// A value shown once (a token, a signing secret, a link) with a button that copies it.
import { html, useId, useRef, useState } from "../html.js";

export function CopyField({ label, value, hint }) {
  const id = useId();
  const input = useRef(null);
  const [said, setSaid] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid("Copied.");
    } catch {
      input.current.select(); // no clipboard access (an insecure origin): selected, for Ctrl+C
      setSaid("Selected: press Ctrl+C (⌘C) to copy.");
    }
  };
  return html`<div class="field copy-field">
    <label for=${id}>${label}</label>
    <div class="copy-row">
      <input id=${id} ref=${input} readonly value=${value} class="mono" aria-describedby=${hint ? `${id}-hint` : undefined}
        onFocus=${(e) => e.currentTarget.select()} />
      <button type="button" class="button-secondary" onClick=${copy}>Copy</button>
    </div>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    <p class="hint" role="status">${said}</p>
  </div>`;
}
