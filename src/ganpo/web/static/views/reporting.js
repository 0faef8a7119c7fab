// Reporting (部门填报): the forms of the reporter's department for a year, templates,
// uploads with every validation problem (row, column, value, reason), submit for review.
import { ApiError, api, get, post, query } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { lang, t } from "../i18n.js";

// the year asked for in the address, else the newest year of the base dataset
export function defaultYear(params, platform) {
  const asked = Number(params.get("year"));
  if (asked >= 1949 && asked <= 2100) return asked;
  return (platform && platform.default_year) || new Date().getFullYear() - 1;
}

export const nameOf = (item) =>
  (lang() === "en" ? item.name_en : item.name_zh) || item.name_zh || item.key;

export function stateTag(state) {
  return h(
    "span",
    { class: `state state-${state || "none"}`, "data-state": state || "none" },
    t(`state.${state || "none"}`),
  );
}

// the events of a submission (upload, submit, return with comment, approve)
export function history(submission) {
  const events = submission?.events || [];
  if (!events.length) return null;
  return h(
    "details",
    { class: "history" },
    h("summary", {}, t("reporting.history", { n: events.length })),
    table(
      [
        { key: "at", label: t("audit.at"), render: (e) => dateTime(e.at) },
        { key: "version", label: t("reporting.version") },
        {
          key: "action",
          label: t("audit.action"),
          render: (e) => t(`action.${e.action}`, {}, e.action),
        },
        { key: "actor", label: t("audit.actor") },
        { key: "comment", label: t("reporting.comment") },
      ],
      events,
    ),
  );
}

// the flagged values of a submission's current version (unusual values, fluctuations
// against last year): each with its cell and reason and the reporter's explanation; a
// draft's reporter writes or edits the explanations, which submission needs
export function flagsBox(submission, { editable = false, onSaved } = {}) {
  const current = (submission?.versions || []).find(
    (v) => v.version === submission.current_version,
  );
  const flags = current?.flags || [];
  if (!flags.length) return null;
  const missing = flags.filter((f) => !f.explanation).length;
  const out = h("div", {});
  const inputs = new Map();
  const rows = table(
    [
      { key: "row", label: t("problem.row"), render: (f) => f.row ?? "—" },
      {
        key: "column",
        label: t("problem.column"),
        render: (f) => f.column ?? "—",
      },
      { key: "cell", label: t("problem.cell"), render: (f) => f.cell ?? "—" },
      {
        key: "county",
        label: t("problem.county"),
        render: (f) => f.county ?? "—",
      },
      {
        key: "value",
        label: t("problem.value"),
        render: (f) => (f.value === null ? "—" : String(f.value)),
      },
      {
        key: "kind",
        label: t("problem.kind"),
        render: (f) => t(`flag.${f.kind}`, {}, f.kind),
      },
      {
        key: "reason",
        label: t("problem.reason"),
        render: (f) => (lang() === "en" ? f.reason_en : f.reason_zh),
      },
      {
        key: "explanation",
        label: t("reporting.explanation"),
        render: (f) => {
          if (editable) {
            const box = h("textarea", {
              class: "flag-explanation",
              "data-key": f.key,
              maxlength: 2000,
              "aria-label": t("reporting.explanation"),
              placeholder: t("reporting.explainHint"),
            });
            box.value = f.explanation?.text || "";
            inputs.set(f.key, box);
            return box;
          }
          return f.explanation
            ? h(
                "span",
                { class: "explanation", "data-key": f.key },
                `${f.explanation.text} — ${f.explanation.author}`,
              )
            : h("span", { class: "unexplained" }, t("review.noExplanation"));
        },
      },
    ],
    flags,
    { class: "grid flags", "data-flags": flags.length },
  );
  const save = editable
    ? h(
        "button",
        { type: "button", class: "save-explanations" },
        t("reporting.saveExplanations"),
      )
    : null;
  add(
    out,
    message(
      missing && editable ? "info" : "ok",
      editable
        ? t("reporting.flags", { n: flags.length, missing })
        : t("review.flags", { n: flags.length }),
    ),
    rows,
    save,
  );
  if (save) {
    const result = h("div", {});
    add(out, result);
    save.addEventListener("click", async () => {
      clear(result);
      const explanations = {};
      for (const [key, box] of inputs) {
        if (box.value.trim()) explanations[key] = box.value.trim();
      }
      if (!Object.keys(explanations).length) {
        add(
          result,
          message("error", t("reporting.needExplanations", { n: missing })),
        );
        return;
      }
      save.disabled = true;
      try {
        await post(`/api/reporting/submissions/${submission.id}/explanations`, {
          explanations,
        });
        if (onSaved) await onSaved();
      } catch (err) {
        save.disabled = false;
        add(result, message("error", err.message));
      }
    });
  }
  return h("div", { class: "flags-box", "data-missing": missing }, out);
}

function lastReturn(submission) {
  const events = (submission?.events || []).filter(
    (e) => e.action === "return",
  );
  return events.length ? events[events.length - 1] : null;
}

export async function render(root, ctx) {
  const year = h("input", {
    type: "number",
    id: "report-year",
    min: 1949,
    max: 2100,
    value: defaultYear(ctx.params, ctx.platform),
  });
  const formsBox = h("div", { class: "forms", id: "report-forms" });
  const yearForm = h(
    "form",
    { class: "inline-form" },
    h("label", {}, t("accounts.year"), year),
    h("button", { type: "submit", id: "report-load" }, t("reporting.load")),
  );
  add(
    root,
    h("h1", {}, t("reporting.title")),
    h("p", { class: "hint" }, t("reporting.intro")),
    yearForm,
    formsBox,
  );

  async function load() {
    const y = Number(year.value);
    const [forms, subs] = await Promise.all([
      get(`/api/reporting/forms${query({ year: y })}`),
      get(`/api/reporting/submissions${query({ year: y })}`),
    ]);
    const byForm = new Map(subs.map((s) => [s.form, s]));
    clear(formsBox);
    if (!forms.length) add(formsBox, message("info", t("reporting.noForms")));
    for (const f of forms) add(formsBox, formCard(f, byForm.get(f.key), y));
  }

  function formCard(f, submission, y) {
    const state = submission ? submission.state : null;
    const out = h("div", { class: "upload-result", "data-form": f.key });
    const file = h("input", {
      type: "file",
      name: "file",
      accept: f.kind === "layer" ? ".tif,.tiff" : ".xlsx,.csv",
      "aria-label": t("reporting.file"),
    });
    const upload = h(
      "button",
      { type: "submit", class: "upload" },
      t("reporting.upload"),
    );
    const submit = h(
      "button",
      { type: "button", class: "submit", disabled: state !== "draft" },
      t("reporting.submit"),
    );
    const canUpload = [null, "draft", "returned"].includes(state);
    upload.disabled = !canUpload;
    file.disabled = !canUpload;
    const returned = lastReturn(submission);
    const uploadForm = h(
      "form",
      { class: "inline-form" },
      h("label", {}, t("reporting.file"), file),
      upload,
      submit,
    );
    const card = h(
      "article",
      {
        class: "card form-card",
        "data-form": f.key,
        "data-state": state || "none",
      },
      h(
        "header",
        {},
        h("h2", {}, nameOf(f), " ", h("code", {}, f.key)),
        h(
          "div",
          {},
          f.required
            ? h("span", { class: "tag" }, t("reporting.required"))
            : null,
          " ",
          stateTag(state),
          submission ? ` v${submission.current_version}` : "",
        ),
      ),
      f.kind === "table"
        ? h(
            "p",
            { class: "columns" },
            t("reporting.columns"),
            ": ",
            f.columns.map((c, i) => [
              i ? "; " : "",
              `${lang() === "en" ? c.name_en : c.name_zh} (${c.key}, ${c.unit})`,
              c.required ? " *" : "",
            ]),
          )
        : h(
            "p",
            { class: "columns" },
            t("reporting.layer", { unit: f.unit || "—" }),
          ),
      state === "returned" && returned
        ? h(
            "div",
            { class: "comment", "data-comment": "returned" },
            `${t("reporting.returnedBy", { who: returned.actor })}: `,
            returned.comment,
          )
        : null,
      f.kind === "table"
        ? flagsBox(submission, { editable: state === "draft", onSaved: load })
        : null,
      f.kind === "table"
        ? h(
            "div",
            { class: "actions" },
            h(
              "a",
              {
                href: `/api/reporting/forms/${encodeURIComponent(f.key)}/template${query({ year: y, format: "xlsx" })}`,
                download: "",
                class: "template-xlsx",
              },
              t("reporting.templateXlsx"),
            ),
            h(
              "a",
              {
                href: `/api/reporting/forms/${encodeURIComponent(f.key)}/template${query({ year: y, format: "csv" })}`,
                download: "",
                class: "template-csv",
              },
              t("reporting.templateCsv"),
            ),
          )
        : null,
      uploadForm,
      out,
      history(submission),
    );

    uploadForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clear(out);
      if (!file.files.length) {
        add(out, message("error", t("reporting.chooseFile")));
        return;
      }
      const body = new FormData();
      body.append("file", file.files[0]);
      upload.disabled = true;
      try {
        const result = await api(
          "POST",
          `/api/reporting/forms/${encodeURIComponent(f.key)}/upload${query({ year: y })}`,
          body,
        );
        await load();
        const fresh = formsBox.querySelector(
          `.upload-result[data-form="${CSS.escape(f.key)}"]`,
        );
        add(
          fresh,
          message(
            "ok",
            t("reporting.uploaded", { v: result.submission.current_version }),
          ),
          (result.warnings || []).map((w) =>
            message("info", typeof w === "string" ? w : JSON.stringify(w)),
          ),
        );
      } catch (err) {
        upload.disabled = false;
        add(out, uploadError(err));
      }
    });
    submit.addEventListener("click", async () => {
      clear(out);
      submit.disabled = true;
      try {
        await post(`/api/reporting/submissions/${submission.id}/submit`);
        await load();
        const fresh = formsBox.querySelector(
          `.upload-result[data-form="${CSS.escape(f.key)}"]`,
        );
        add(fresh, message("ok", t("reporting.submitted")));
      } catch (err) {
        submit.disabled = false;
        add(out, message("error", err.message));
      }
    });
    return card;
  }

  yearForm.addEventListener("submit", (e) => {
    e.preventDefault();
    load().catch((err) => add(clear(formsBox), message("error", err.message)));
  });
  await load();
}

// 422 answers list every problem of the file: row, column, value and the reason
export function uploadError(err) {
  const problems =
    err instanceof ApiError && err.status === 422 ? err.body?.problems : null;
  if (!problems) return message("error", err.message);
  return h(
    "div",
    {},
    message("error", t("reporting.problems", { n: problems.length })),
    table(
      [
        { key: "row", label: t("problem.row"), render: (p) => p.row ?? "—" },
        {
          key: "column",
          label: t("problem.column"),
          render: (p) => p.column ?? "—",
        },
        { key: "cell", label: t("problem.cell"), render: (p) => p.cell ?? "—" },
        {
          key: "value",
          label: t("problem.value"),
          render: (p) =>
            p.value === null || p.value === undefined ? "—" : String(p.value),
        },
        {
          key: "reason",
          label: t("problem.reason"),
          render: (p) =>
            (lang() === "en" ? p.reason_en : p.reason_zh) || p.reason,
        },
      ],
      problems,
      { class: "grid problems", "data-problems": problems.length },
    ),
  );
}
