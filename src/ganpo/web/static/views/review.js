// Review (审核): submitted forms with their files, return with a comment or approve; for
// the office, whether a year's account can run and adopting base data for unreported forms.
import { get, post, query } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { t } from "../i18n.js";
import {
  defaultYear,
  flagsBox,
  history,
  nameOf,
  stateTag,
} from "./reporting.js";

const STATES = ["submitted", "returned", "approved", "draft"];

export async function render(root, ctx) {
  const { me } = ctx;
  const year = h("input", {
    type: "number",
    id: "review-year",
    min: 1949,
    max: 2100,
    value: defaultYear(ctx.params, ctx.platform),
  });
  const state = h(
    "select",
    { id: "review-state" },
    h("option", { value: "" }, t("review.allStates")),
    STATES.map((s) => h("option", { value: s }, t(`state.${s}`))),
  );
  state.value = ctx.params.get("state") ?? "submitted";
  const listBox = h("div", { id: "review-list" });
  const readyBox = h("div", { class: "card", id: "readiness" });
  const filter = h(
    "form",
    { class: "inline-form" },
    h("label", {}, t("accounts.year"), year),
    h("label", {}, t("review.state"), state),
    h("button", { type: "submit", id: "review-load" }, t("reporting.load")),
  );
  add(
    root,
    h("h1", {}, t("review.title")),
    filter,
    h("div", { class: "card" }, listBox),
    readyBox,
  );
  let names = new Map();

  async function load() {
    const y = Number(year.value);
    const [forms, subs] = await Promise.all([
      get(`/api/reporting/forms${query({ year: y })}`),
      get(
        `/api/reporting/submissions${query({ year: y, state: state.value })}`,
      ),
    ]);
    names = new Map(forms.map((f) => [f.key, f]));
    clear(listBox);
    if (!subs.length) add(listBox, message("info", t("review.nothing")));
    for (const s of subs) add(listBox, item(s, y));
    await loadReadiness(y);
  }

  function item(s, y) {
    const form = names.get(s.form);
    const out = h("div", { class: "review-result" });
    const comment = h("textarea", {
      class: "review-comment",
      "aria-label": t("reporting.comment"),
      placeholder: t("review.commentHint"),
      maxlength: 2000,
    });
    const approve = h(
      "button",
      { type: "button", class: "approve", disabled: s.state !== "submitted" },
      t("review.approve"),
    );
    const giveBack = h(
      "button",
      {
        type: "button",
        class: "return danger",
        disabled: !(
          s.state === "submitted" ||
          (s.state === "approved" && ["office", "admin"].includes(me.role))
        ),
      },
      t("review.return"),
    );
    const current =
      (s.versions || []).find((v) => v.version === s.current_version) || {};
    const fileUrl = (which) =>
      `/api/reporting/submissions/${s.id}/versions/${s.current_version}/file${query({ which })}`;
    const card = h(
      "article",
      {
        class: "card form-card review-item",
        "data-submission": s.id,
        "data-form": s.form,
        "data-state": s.state,
      },
      h(
        "header",
        {},
        h("h2", {}, form ? nameOf(form) : s.form, " ", h("code", {}, s.form)),
        h("div", {}, stateTag(s.state), ` v${s.current_version}`),
      ),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, t("review.department")),
        h("dd", {}, t(`dept.${s.department}`, {}, s.department)),
        h("dt", {}, t("review.uploaded")),
        h(
          "dd",
          {},
          `${current.uploaded_by || "—"} · ${dateTime(current.uploaded_at)} · ${current.original_name || ""}`,
        ),
        current.n_rows !== undefined && current.n_rows !== null
          ? [h("dt", {}, t("review.rows")), h("dd", {}, String(current.n_rows))]
          : null,
      ),
      h(
        "div",
        { class: "actions" },
        h("a", { href: fileUrl("data"), download: "" }, t("review.dataFile")),
        h(
          "a",
          { href: fileUrl("upload"), download: "" },
          t("review.uploadFile"),
        ),
      ),
      flagsBox(s),
      comment,
      h("div", { class: "actions" }, approve, giveBack),
      out,
      history(s),
    );
    approve.addEventListener("click", () =>
      act(
        "approve",
        comment.value.trim() ? { comment: comment.value.trim() } : undefined,
      ),
    );
    giveBack.addEventListener("click", () => {
      if (!comment.value.trim()) {
        add(clear(out), message("error", t("review.needComment")));
        comment.focus();
        return;
      }
      act("return", { comment: comment.value.trim() });
    });
    async function act(action, body) {
      clear(out);
      try {
        await post(`/api/reporting/submissions/${s.id}/${action}`, body);
        await load();
        add(
          listBox,
          message(
            "ok",
            t(`review.done.${action}`, { form: form ? nameOf(form) : s.form }),
          ),
        );
      } catch (err) {
        add(out, message("error", err.message));
      }
    }
    return card;
  }

  async function loadReadiness(y) {
    clear(readyBox);
    let ready;
    try {
      ready = await get(`/api/reporting/readiness${query({ year: y })}`);
    } catch (err) {
      add(readyBox, message("error", err.message));
      return;
    }
    const adopt = h(
      "button",
      { type: "button", class: "secondary", id: "adopt-base" },
      t("review.adopt"),
    );
    const out = h("div", {});
    add(
      readyBox,
      h("h2", {}, t("review.readiness", { year: y })),
      message(
        ready.ready ? "ok" : "info",
        ready.ready
          ? t("review.ready")
          : t("review.blocking", { n: ready.blocking.length }),
      ),
      table(
        [
          {
            key: "name",
            label: t("review.form"),
            render: (f) => [nameOf(f), " ", h("code", {}, f.key)],
          },
          {
            key: "department",
            label: t("review.department"),
            render: (f) => t(`dept.${f.department}`, {}, f.department),
          },
          {
            key: "required",
            label: t("review.requiredColumn"),
            render: (f) => (f.required ? "✓" : ""),
          },
          {
            key: "state",
            label: t("review.state"),
            render: (f) => stateTag(f.submission ? f.submission.state : null),
          },
        ],
        ready.forms,
        { id: "readiness-table" },
      ),
      ["office", "admin"].includes(me.role) && !ready.ready
        ? h("p", { class: "hint" }, t("review.adoptHint"))
        : null,
      ["office", "admin"].includes(me.role) && !ready.ready ? adopt : null,
      out,
    );
    adopt.addEventListener("click", async () => {
      adopt.disabled = true;
      try {
        const adopted = await post("/api/reporting/adopt-base", {
          year: y,
          comment: t("review.adoptComment"),
        });
        await load();
        add(
          readyBox,
          message("ok", t("review.adopted", { n: adopted.length })),
        );
      } catch (err) {
        adopt.disabled = false;
        add(out, message("error", err.message));
      }
    });
  }

  filter.addEventListener("submit", (e) => {
    e.preventDefault();
    load().catch((err) => add(clear(listBox), message("error", err.message)));
  });
  await load();
}
