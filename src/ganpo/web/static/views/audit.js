// Audit log (administrators): who changed what and when, with the values before and after.
import { get, query } from "../api.js";
import { add, clear, dateTime, h, table } from "../dom.js";
import { t } from "../i18n.js";

const PAGE = 50;
const SHOWN = 3; // changed fields shown before "more"

export async function render(root) {
  const filters = {
    actor: h("input", { id: "audit-actor", placeholder: t("audit.actor") }),
    entity: h("input", { id: "audit-entity", placeholder: t("audit.entity") }),
    action: h("input", { id: "audit-action", placeholder: t("audit.action") }),
  };
  // the platform's changes first: logins and tokens only when asked for
  const changesOnly = h("input", {
    type: "checkbox",
    id: "audit-changes-only",
    checked: true,
  });
  let offset = 0;
  const out = h("div", { id: "audit-table" });
  const prev = h(
    "button",
    { type: "button", class: "secondary" },
    t("common.previous"),
  );
  const next = h(
    "button",
    { type: "button", class: "secondary" },
    t("common.next"),
  );
  const form = h(
    "form",
    { class: "inline-form" },
    Object.entries(filters).map(([key, input]) =>
      h("label", {}, t(`audit.${key}`), input),
    ),
    h("label", { class: "check" }, changesOnly, t("audit.changesOnly")),
    h("button", { type: "submit" }, t("common.filter")),
  );
  add(
    root,
    h("h1", {}, t("audit.title")),
    h(
      "div",
      { class: "card" },
      form,
      out,
      h("div", { class: "pager" }, prev, next),
    ),
  );

  async function load() {
    const params = { limit: PAGE, offset };
    if (changesOnly.checked) params.changes_only = true;
    for (const [key, input] of Object.entries(filters))
      if (input.value.trim()) params[key] = input.value.trim();
    const data = await get(`/api/audit${query(params)}`);
    const rows = Array.isArray(data) ? data : data.items || data.rows || [];
    add(
      clear(out),
      table(
        [
          {
            key: "at",
            label: t("audit.at"),
            render: (r) => dateTime(r.at || r.created_at),
          },
          { key: "actor", label: t("audit.actor") },
          { key: "action", label: t("audit.action") },
          {
            key: "entity",
            label: t("audit.entity"),
            render: (r) => `${r.entity} ${r.entity_id ?? ""}`,
          },
          {
            key: "change",
            label: t("audit.change"),
            render: (r) => changes(r.before, r.after),
          },
        ],
        rows,
      ),
    );
    prev.disabled = offset === 0;
    next.disabled = rows.length < PAGE;
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    offset = 0;
    load();
  });
  prev.addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    load();
  });
  next.addEventListener("click", () => {
    offset += PAGE;
    load();
  });
  await load();
}

// the fields that differ between before and after, as "field: old → new"
function changes(before, after) {
  const b = before || {};
  const a = after || {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const show = (v) => {
    const text =
      v === undefined
        ? "∅"
        : typeof v === "object"
          ? JSON.stringify(v)
          : String(v);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  };
  const lines = keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) =>
      h(
        "div",
        { class: "change", title: `${k}` },
        h("code", {}, k),
        `: ${show(b[k])} → ${show(a[k])}`,
      ),
    );
  if (!lines.length) return "—";
  if (lines.length <= SHOWN) return h("div", {}, lines);
  return h(
    "div",
    {},
    lines.slice(0, SHOWN),
    h(
      "details",
      {},
      h("summary", {}, t("audit.more", { n: lines.length - SHOWN })),
      lines.slice(SHOWN),
    ),
  );
}
