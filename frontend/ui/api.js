// The one way the workbench talks to the API: same-origin, the session cookie, the CSRF token
// (cookie knooppunt_csrf, sent back as X-CSRF-Token on every state change), the case reference
// for person-level reads, and problem+json errors turned into ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

const CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "knooppunt_csrf") return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function url(path, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === "") continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

// request("/alerts", { query, caseRef, method, body, accept, as: "json" | "response" })
export async function request(path, options = {}) {
  const { query = {}, caseRef = null, method = "GET", body = undefined, as = "json" } = options;
  const headers = { Accept: options.accept || "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (caseRef) headers["X-Case-Reference"] = caseRef;
  if (CHANGING.has(method)) {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  const answer = await fetch(url(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!answer.ok) {
    let problem = {};
    try {
      problem = await answer.json();
    } catch {
      problem = {};
    }
    throw new ApiError(answer.status, problem);
  }
  if (as === "response") return answer;
  if (answer.status === 204) return null;
  return answer.json();
}

// A file answer saved by the browser under the name its Content-Disposition gives.
export async function download(answer, fallback) {
  const blob = await answer.blob();
  const disposition = answer.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const filename = match ? match[1] : fallback;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.className = "hidden";
  document.body.appendChild(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 1000);
  return { filename, bytes: blob.size };
}
