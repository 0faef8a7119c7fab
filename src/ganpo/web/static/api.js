// HTTP client of the ganpo API: same-origin cookie session; every unsafe request carries the
// X-CSRF-Token header returned by /api/auth/login and /api/auth/me.

import { lang } from "./i18n.js";

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(ApiError.describe(detail, body) || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.body = body; // the whole answer (e.g. {detail, problems} of a refused upload)
  }

  // errors come as {detail: "text"} or {detail: {...}}; ganpo's refusals (every 422
  // too: decision 0095) add the two halves of their "English / 中文" text, detail_en
  // and detail_zh: the page shows the one of its language (the language of the moment)
  static describe(detail, body) {
    const half = body && body[lang() === "zh" ? "detail_zh" : "detail_en"];
    if (typeof half === "string" && half) return half;
    if (detail == null) return "";
    if (typeof detail === "string") return detail;
    if (typeof detail === "object") {
      return (
        detail.message || detail.error || detail.msg || JSON.stringify(detail)
      );
    }
    return String(detail);
  }
}

// a text the server gives whole ("English / 中文", `key`) and in halves (`key`_en,
// `key`_zh): the half of the page's language, else the whole
export function spoken(answer, key) {
  const half = answer && answer[`${key}_${lang() === "zh" ? "zh" : "en"}`];
  return typeof half === "string" && half ? half : answer?.[key];
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (!SAFE.has(method) && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, {
    method,
    headers,
    body: payload,
    credentials: "same-origin",
  });
  const type = response.headers.get("content-type") || "";
  let data = null;
  if (response.status !== 204) {
    data = type.includes("json")
      ? await response.json().catch(() => null)
      : await response.text();
  }
  if (!response.ok) {
    const detail =
      data && typeof data === "object" && "detail" in data ? data.detail : data;
    throw new ApiError(response.status, detail, data);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);

export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "")
      q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}
