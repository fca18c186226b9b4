// The REST API client: every request of the dashboard goes through `api`.
//
// Authentication is the session cookie (httpOnly, set by POST /api/auth/login). Changes need no CSRF token:
// the auth service checks the browser's own Sec-Fetch-Site/Origin headers (libs/common/.../csrf.py), which a
// same-origin fetch always sends. An expired access token (401) is renewed once through POST
// /api/auth/refresh (the refresh cookie) and the request retried; if that fails too, `onSignedOut` runs.
// Requests act in the organization chosen in the header (X-Uptick-Org). Errors become `ApiError`s whose
// `message` is words for a person and whose `fields` map a 422's `loc` to its message.

const NO_REFRESH = new Set(["/api/auth/login", "/api/auth/signup", "/api/auth/refresh", "/api/auth/logout"]);

export class ApiError extends Error {
  constructor(status, message, fields = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.fields = fields; // {"url": "…", "assertions.0.target": "…"}
    this.retryAfter = retryAfter;
  }
}

let organization = null; // id of the organization requests act in; null: the user's personal one
let signedOutHandler = () => {};
let refreshing = null; // one refresh at a time, shared by the requests that met a 401 together

export function setOrganization(id) { organization = id; }
export function onSignedOut(handler) { signedOutHandler = handler; }

/** The field path of a 422 entry: ["body", "assertions", 0, "target"] → "assertions.0.target". */
export function fieldOf(loc) {
  const parts = Array.isArray(loc) ? loc.slice() : [];
  if (["body", "query", "path", "header"].includes(parts[0])) parts.shift();
  return parts.join(".") || "request";
}

function cleanMessage(msg) {
  // pydantic prefixes a custom error with "Value error, "; the user only needs the reason.
  return String(msg).replace(/^(Value|Assertion) error, /, "");
}

async function errorOf(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: the status says enough */ }
  const detail = body && body.detail;
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  if (response.status === 422 && Array.isArray(detail)) {
    const fields = {};
    for (const item of detail) {
      const name = fieldOf(item.loc);
      if (!(name in fields)) fields[name] = cleanMessage(item.msg);
    }
    const names = Object.keys(fields);
    const message = names.length === 1 && (names[0] === "request")
      ? fields.request : "Some values need fixing: see the messages beside the fields.";
    return new ApiError(422, message, fields);
  }
  const text = typeof detail === "string" ? detail : null;
  const byStatus = {
    401: "You are not signed in, or your session ended.",
    403: "Your role in this organization does not allow this.",
    404: "Not found: it may have been deleted, or belong to another organization.",
    409: "This conflicts with something that already exists.",
    413: "What you sent is too large.",
    429: `Too many attempts; try again${retryAfter ? ` in ${retryAfter} seconds` : " shortly"}.`,
  };
  let message = text ? text.charAt(0).toUpperCase() + text.slice(1) : byStatus[response.status];
  if (response.status === 429 && text && retryAfter) message = `${message} (try again in ${retryAfter} s)`;
  if (!message) {
    message = response.status >= 500
      ? `Uptick could not answer just now (error ${response.status}). Try again in a moment.`
      : `The request was refused (error ${response.status}).`;
  }
  return new ApiError(response.status, message, {}, retryAfter);
}

async function refresh() {
  refreshing ??= fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" })
    .then((r) => r.ok).catch(() => false).finally(() => { setTimeout(() => { refreshing = null; }, 0); });
  return refreshing;
}

function urlOf(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * One request. Returns the parsed JSON body (null for 204), or, with `etag` given, {notModified: true} on 304
 * and {data, etag} otherwise. Throws ApiError.
 */
export async function request(method, path, { body, query, etag, signal, retried = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (organization !== null) headers["X-Uptick-Org"] = String(organization);
  if (etag) headers["If-None-Match"] = etag;
  let response;
  try {
    response = await fetch(urlOf(path, query), {
      method, headers, signal, credentials: "same-origin", cache: "no-cache",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach Uptick. Check your connection; the page retries by itself.");
  }
  if (response.status === 401 && !retried && !NO_REFRESH.has(path)) {
    if (await refresh()) return request(method, path, { body, query, etag, signal, retried: true });
    signedOutHandler();
  }
  if (response.status === 304) return { notModified: true };
  if (!response.ok) throw await errorOf(response);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return etag !== undefined ? { data, etag: response.headers.get("ETag") } : data;
}

export const api = {
  get: (path, options) => request("GET", path, options),
  post: (path, body, options) => request("POST", path, { ...options, body: body ?? {} }),
  patch: (path, body, options) => request("PATCH", path, { ...options, body }),
  put: (path, body, options) => request("PUT", path, { ...options, body }),
  delete: (path, options) => request("DELETE", path, options),
  /** GET with If-None-Match: `etag` of the last answer ("" the first time). */
  poll: (path, etag, options) => request("GET", path, { ...options, etag: etag || "" }),
};
