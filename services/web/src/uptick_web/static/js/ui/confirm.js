// A confirm dialog on the native <dialog>: focus is trapped and Escape cancels, by the browser itself.
import { html, useId, useRef, useState } from "../html.js";

/** A button that asks before it acts: <ConfirmButton label="Delete" question="Delete x?" onConfirm=${fn} danger /> */
export function ConfirmButton({ label, question, detail, confirmLabel, onConfirm, danger = false, class: cls = "" }) {
  const dialog = useRef(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const close = () => dialog.current && dialog.current.close();
  const confirm = async () => {
    setBusy(true);
    try { await onConfirm(); } finally { setBusy(false); close(); }
  };
  return html`
    <button type="button" class=${`${danger ? "button-danger" : "button-secondary"} ${cls}`}
      onClick=${() => dialog.current.showModal()}>${label}</button>
    <dialog ref=${dialog} class="confirm" aria-labelledby=${titleId}>
      <h2 id=${titleId}>${question}</h2>
      ${detail && html`<p>${detail}</p>`}
      <div class="actions">
        <button type="button" class="button-secondary" onClick=${close}>Cancel</button>
        <button type="button" class=${danger ? "button-danger" : ""} disabled=${busy} onClick=${confirm}>
          ${confirmLabel || label}</button>
      </div>
    </dialog>`;
}
