// Departure audit packs (auditors and administrators): the form — a county or city of the
// caller's region, the tenure's dates, PDF or Excel, the language — and the packs made,
// each with its download link. The API refuses other roles (403) and units outside the
// auditor's region (404); each pack made is in the audit log.
import { ApiError, get, post } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { lang, t } from "../i18n.js";

export async function render(root) {
  const regions = await get("/api/regions");
  const label = (r) =>
    `${r.adcode} ${lang() === "en" && r.name_en ? r.name_en : r.name_zh}`;
  const cityOf = (r) =>
    r.level === "county" ? Number(r.parent) : Number(r.adcode);
  const cities = regions.filter((r) => r.level === "city");
  const unit = h(
    "select",
    { id: "pack-unit", required: true },
    cities.map((city) =>
      h(
        "optgroup",
        { label: label(city) },
        regions
          .filter(
            (r) =>
              (r.level === "city" || r.level === "county") &&
              cityOf(r) === Number(city.adcode),
          )
          .map((r) => h("option", { value: r.adcode }, label(r))),
      ),
    ),
    // counties of the region whose city is outside it (a county auditor)
    regions
      .filter(
        (r) =>
          r.level === "county" &&
          !cities.some((c) => Number(c.adcode) === cityOf(r)),
      )
      .map((r) => h("option", { value: r.adcode }, label(r))),
  );
  const start = h("input", {
    id: "pack-start",
    type: "date",
    required: true,
    value: "2022-12-31",
  });
  const end = h("input", {
    id: "pack-end",
    type: "date",
    required: true,
    value: "2023-12-31",
  });
  const format = h(
    "select",
    { id: "pack-format" },
    h("option", { value: "pdf" }, "PDF"),
    h("option", { value: "xlsx" }, "Excel"),
  );
  const language = h(
    "select",
    { id: "pack-lang" },
    h("option", { value: "zh", selected: lang() === "zh" }, "中文"),
    h("option", { value: "en", selected: lang() === "en" }, "English"),
  );
  const submit = h(
    "button",
    { type: "submit", id: "pack-create" },
    t("packs.create"),
  );
  const out = h("div", { id: "pack-result" });
  const listBox = h("div", { id: "packs-table" });
  const form = h(
    "form",
    { class: "inline-form", id: "pack-form" },
    h("label", {}, t("packs.unit"), unit),
    h("label", {}, t("packs.start"), start),
    h("label", {}, t("packs.end"), end),
    h("label", {}, t("packs.format"), format),
    h("label", {}, t("packs.lang"), language),
    submit,
  );
  add(
    root,
    h("h1", {}, t("packs.title")),
    h(
      "div",
      { class: "card" },
      h("p", { class: "hint" }, t("packs.intro")),
      form,
      out,
    ),
    h("div", { class: "card" }, h("h2", {}, t("packs.list")), listBox),
  );

  const download = (p) =>
    h(
      "a",
      {
        href: `/api/audit/packs/${p.id}/file`,
        download: p.file_name,
        class: "pack-download",
        "data-pack": p.id,
      },
      `${t("packs.download")} ${p.file_name}`,
    );

  async function load() {
    const packs = await get("/api/audit/packs");
    add(
      clear(listBox),
      table(
        [
          {
            key: "unit",
            label: t("packs.unit"),
            render: (p) => (lang() === "en" ? p.unit_name_en : p.unit_name_zh),
          },
          {
            key: "tenure",
            label: t("packs.tenure"),
            render: (p) => `${p.start} – ${p.end}`,
          },
          {
            key: "created_at",
            label: t("packs.made"),
            render: (p) => dateTime(p.created_at),
          },
          { key: "created_by", label: t("packs.by") },
          {
            key: "file",
            label: t("packs.file"),
            render: (p) => [
              download(p),
              p.synthetic
                ? h("span", { class: "tag" }, ` ${t("packs.synthetic")}`)
                : null,
            ],
          },
        ],
        packs,
        { id: "packs-list" },
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out).appendChild(message("info", t("packs.working")));
    submit.disabled = true;
    try {
      const pack = await post("/api/audit/packs", {
        unit: Number(unit.value),
        start: start.value,
        end: end.value,
        format: format.value,
        lang: language.value,
      });
      const missing = pack.missing.map((m) =>
        h(
          "li",
          { "data-item": m.item },
          lang() === "en" ? m.text_en : m.text_zh,
        ),
      );
      add(
        clear(out),
        message("ok", t("packs.created", { name: pack.file_name })),
        h("p", {}, download(pack)),
        missing.length
          ? h(
              "div",
              { id: "pack-missing" },
              h("h3", {}, t("packs.missing")),
              h("ul", {}, missing),
            )
          : null,
      );
      await load();
    } catch (err) {
      clear(out).appendChild(
        message("error", err instanceof ApiError ? err.message : String(err)),
      );
    } finally {
      submit.disabled = false;
    }
  });
  await load();
  return null;
}
