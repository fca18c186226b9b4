// A form field: its label, the control, a hint, and the error beside it (announced, tied by aria-describedby).
import { html, useId } from "../html.js";

/**
 * `control(props)` draws the input with the props that tie it to its label and messages:
 *   html`<${Field} label="URL" error=${errors.url}>${(p) => html`<input ...${p} value=${url} />`}<//>`
 */
export function Field({ label, error, hint, children, class: className = "" }) {
  const id = useId();
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  const props = { id, "aria-invalid": error ? "true" : undefined, "aria-describedby": described || undefined };
  const control = typeof children === "function" ? children(props) : children;
  return html`<div class=${`field ${error ? "field-invalid" : ""} ${className}`}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
  </div>`;
}

/** The common case: a text-like input bound to value/onValue. */
export function TextField({ label, error, hint, value, onValue, type = "text", ...rest }) {
  return html`<${Field} label=${label} error=${error} hint=${hint}>${(p) => html`<input ...${p} ...${rest}
    type=${type} value=${value ?? ""} onInput=${(e) => onValue(e.currentTarget.value)} />`}<//>`;
}

export function SelectField({ label, error, hint, value, onValue, options, ...rest }) {
  return html`<${Field} label=${label} error=${error} hint=${hint}>${(p) => html`<select ...${p} ...${rest}
    value=${value} onChange=${(e) => onValue(e.currentTarget.value)}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${String(v) === String(value)}>${text}</option>`)}
    </select>`}<//>`;
}

export function CheckboxField({ label, error, hint, checked, onValue, ...rest }) {
  const id = useId();
  return html`<div class=${`field field-check ${error ? "field-invalid" : ""}`}>
    <input type="checkbox" id=${id} checked=${!!checked} onChange=${(e) => onValue(e.currentTarget.checked)}
      aria-describedby=${error ? `${id}-error` : hint ? `${id}-hint` : undefined} ...${rest} />
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
  </div>`;
}
