// Small DOM helpers: elements are built with textContent (never innerHTML with data), so
// names and values coming from uploads or the API cannot inject markup.
import { lang, t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function message(kind, text) {
  return h(
    "div",
    { class: `msg msg-${kind}`, role: kind === "error" ? "alert" : "status" },
    text,
  );
}

export function number(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(Number(value)))
    return "—";
  return new Intl.NumberFormat(lang() === "zh" ? "zh-CN" : "en", {
    maximumFractionDigits: digits,
  }).format(Number(value));
}

export function dateTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(lang() === "zh" ? "zh-CN" : "en");
}

// a table from rows of objects and column specs {key, label, render?, num?} (num: a
// number column, right-aligned)
export function table(columns, rows, attrs = {}) {
  return h(
    "table",
    { class: "grid", ...attrs },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c) =>
          h("th", { scope: "col", class: c.num ? "num" : null }, c.label),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.length === 0
        ? h(
            "tr",
            {},
            h(
              "td",
              { colspan: columns.length, class: "empty" },
              t("common.none"),
            ),
          )
        : rows.map((row) =>
            h(
              "tr",
              {},
              columns.map((c) =>
                h(
                  "td",
                  { class: c.num ? "num" : null },
                  c.render ? c.render(row) : fmtCell(row[c.key]),
                ),
              ),
            ),
          ),
    ),
  );
}

function fmtCell(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// renders any JSON value readably: arrays of objects as tables, objects as key/value lists
export function jsonView(value) {
  if (Array.isArray(value)) {
    if (
      value.length &&
      value.every((v) => v && typeof v === "object" && !Array.isArray(v))
    ) {
      const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
      return table(
        keys.map((k) => ({
          key: k,
          label: k,
          render: (r) =>
            typeof r[k] === "number" ? number(r[k]) : fmtCell(r[k]),
        })),
        value,
      );
    }
    return h("span", {}, value.map(fmtCell).join(", "));
  }
  if (value && typeof value === "object") {
    return h(
      "dl",
      { class: "kv" },
      Object.entries(value).map(([k, v]) => [
        h("dt", {}, k),
        h(
          "dd",
          {},
          typeof v === "object" && v !== null
            ? jsonView(v)
            : typeof v === "number"
              ? number(v)
              : fmtCell(v),
        ),
      ]),
    );
  }
  return h("span", {}, fmtCell(value));
}

// parent.append(...) that skips null/undefined/false children (append would print "null")
export function add(parent, ...children) {
  append(parent, children);
  return parent;
}
