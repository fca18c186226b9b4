// The assertions of a monitor, one row each, edited as the API's objects ({type, op, value, path|name}), so
// that a 422 on `assertions.2.value` lands beside that row's value.
import { html, useId } from "../html.js";

// What each type takes, for which monitor types (the API's uptick_common.checks rules).
export const KINDS = {
  status: { label: "Status code", ops: ["==", "!=", "<", "<=", ">", ">=", "in", "not_in"], unit: "", types: ["http"] },
  response_time: { label: "Response time (ms)", ops: ["<", "<=", ">", ">="], unit: "ms", types: ["http", "tcp", "tls"] },
  body: { label: "Body text", ops: ["contains", "not_contains"], types: ["http"] },
  json_path: { label: "JSON value", ops: ["==", "!=", "<", "<=", ">", ">=", "contains", "not_contains", "exists", "not_exists"],
    subject: "path", subjectLabel: "JSON path", types: ["http"] },
  header: { label: "Response header", ops: ["==", "!=", "<", "<=", ">", ">=", "contains", "not_contains", "exists", "not_exists"],
    subject: "name", subjectLabel: "Header name", types: ["http"] },
  cert_expiry: { label: "Certificate days left", ops: ["<", "<=", ">", ">="], types: ["http", "tls"] },
};
const OP_LABELS = { "==": "equals", "!=": "differs from", "<": "<", "<=": "≤", ">": ">", ">=": "≥", in: "is one of",
  not_in: "is none of", contains: "contains", not_contains: "does not contain", exists: "exists", not_exists: "is absent" };

/** An assertion of the API as the editor's row: every value as text. */
export function toRow(a) {
  const value = a.value === undefined || a.value === null ? ""
    : Array.isArray(a.value) ? a.value.join(", ") : typeof a.value === "string" ? a.value : JSON.stringify(a.value);
  return { type: a.type, op: a.op, value, path: a.path || "", name: a.name || "" };
}

function number(text) {
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text; // not a number: the API says so, beside the field
}

/** A row as the API takes it. */
export function fromRow(row) {
  const out = { type: row.type, op: row.op };
  if (row.type === "json_path") out.path = row.path;
  if (row.type === "header") out.name = row.name;
  if (row.op === "exists" || row.op === "not_exists") return out;
  if (row.type === "status") {
    out.value = row.op === "in" || row.op === "not_in"
      ? row.value.split(",").map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))
      : number(row.value);
  } else if (row.type === "response_time" || row.type === "cert_expiry") {
    out.value = number(row.value);
  } else if (row.type === "body") {
    out.value = row.value;
  } else {
    try { out.value = JSON.parse(row.value); } catch { out.value = row.value; } // 200, true, "x" or plain text
    if (out.value !== null && typeof out.value === "object") out.value = row.value;
  }
  return out;
}

function AssertionRow({ row, index, errors, monitorType, onChange, onRemove }) {
  const id = useId();
  const kind = KINDS[row.type];
  // A 422's loc under this row: assertions.0.value, or through the union's tag and type (assertions.0.status.value.int).
  const mine = Object.keys(errors).filter((key) => key.startsWith(`assertions.${index}.`));
  const err = (name) => {
    const key = mine.find((k) => k.split(".").slice(2).includes(name));
    return key ? errors[key] : undefined;
  };
  const set = (change) => onChange({ ...row, ...change });
  const needsValue = row.op !== "exists" && row.op !== "not_exists";
  const placed = ["value", "path", "name"];
  const other = mine.find((k) => !k.split(".").slice(2).some((part) => placed.includes(part)));
  const rowError = errors[`assertions.${index}`] || (other && errors[other]);
  return html`<fieldset class="assertion">
    <legend>Assertion ${index + 1}</legend>
    <div class="assertion-fields">
      <div class="field"><label for=${`${id}-t`}>Checks</label>
        <select id=${`${id}-t`} value=${row.type} onChange=${(e) => set({ type: e.currentTarget.value, op: KINDS[e.currentTarget.value].ops[0] })}>
          ${Object.entries(KINDS).filter(([, k]) => k.types.includes(monitorType) || row.type === k)
            .map(([value, k]) => html`<option value=${value} selected=${value === row.type}>${k.label}</option>`)}
        </select></div>
      ${kind.subject && html`<div class="field ${err(kind.subject) ? "field-invalid" : ""}">
        <label for=${`${id}-s`}>${kind.subjectLabel}</label>
        <input id=${`${id}-s`} value=${row[kind.subject]} aria-invalid=${err(kind.subject) ? "true" : undefined}
          aria-describedby=${err(kind.subject) ? `${id}-se` : undefined}
          onInput=${(e) => set({ [kind.subject]: e.currentTarget.value })} />
        ${err(kind.subject) && html`<p class="field-error" id=${`${id}-se`}>${err(kind.subject)}</p>`}</div>`}
      <div class="field"><label for=${`${id}-o`}>Condition</label>
        <select id=${`${id}-o`} value=${row.op} onChange=${(e) => set({ op: e.currentTarget.value })}>
          ${kind.ops.map((op) => html`<option value=${op} selected=${op === row.op}>${OP_LABELS[op]}</option>`)}
        </select></div>
      ${needsValue && html`<div class="field ${err("value") ? "field-invalid" : ""}">
        <label for=${`${id}-v`}>Value</label>
        <input id=${`${id}-v`} value=${row.value} aria-invalid=${err("value") ? "true" : undefined}
          aria-describedby=${err("value") ? `${id}-ve` : undefined} onInput=${(e) => set({ value: e.currentTarget.value })}
          placeholder=${row.type === "status" && row.op.endsWith("in") ? "200, 300-399" : ""} />
        ${err("value") && html`<p class="field-error" id=${`${id}-ve`}>${err("value")}</p>`}</div>`}
      <button type="button" class="button-secondary" onClick=${onRemove}>Remove</button>
    </div>
    ${rowError && html`<p class="field-error">${rowError}</p>`}
  </fieldset>`;
}

export function AssertionsEditor({ rows, onChange, errors, monitorType }) {
  const kinds = Object.entries(KINDS).filter(([, k]) => k.types.includes(monitorType));
  if (!kinds.length) return html`<p class="hint">A ${monitorType} monitor takes no assertions.</p>`;
  const update = (i, row) => onChange(rows.map((r, j) => (j === i ? row : r)));
  return html`<div class="assertions">
    ${rows.map((row, i) => html`<${AssertionRow} key=${i} row=${row} index=${i} errors=${errors}
      monitorType=${monitorType} onChange=${(r) => update(i, r)} onRemove=${() => onChange(rows.filter((_, j) => j !== i))} />`)}
    ${errors.assertions && html`<p class="field-error">${errors.assertions}</p>`}
    <button type="button" class="button-secondary" onClick=${() => onChange([...rows,
      { type: kinds[0][0], op: kinds[0][1].ops[0], value: "", path: "", name: "" }])}>Add an assertion</button>
  </div>`;
}
