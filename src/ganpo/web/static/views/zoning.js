// Zoning control (生态环境分区管控): check a site — WKT or GeoJSON in longitude and latitude —
// for a project's industry (GB/T 4754-2017): the control units and red lines it falls in,
// the clauses that apply, the verdict, the map and the opinion PDF; the checks made within
// the caller's region. The API keeps and audits every check.
import { ApiError, get, post } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { lang, t } from "../i18n.js";

const EXAMPLE = "POINT (117.708 29.524)";

export async function render(root) {
  const site = h("textarea", { id: "zoning-site", rows: 3, cols: 60 }, EXAMPLE);
  const industry = h("input", { id: "zoning-industry", value: "C26", size: 8 });
  const submit = h(
    "button",
    { type: "submit", id: "zoning-check" },
    t("zoning.check"),
  );
  const out = h("div", { id: "zoning-result" });
  const listBox = h("div", { id: "zoning-list" });
  const form = h(
    "form",
    { class: "inline-form", id: "zoning-form" },
    h("label", {}, t("zoning.site"), site),
    h("label", {}, t("zoning.industry"), industry),
    submit,
  );
  add(
    root,
    h("h1", {}, t("zoning.title")),
    h(
      "div",
      { class: "card" },
      h("p", { class: "hint" }, t("zoning.intro")),
      form,
      out,
    ),
    h("div", { class: "card" }, h("h2", {}, t("zoning.list")), listBox),
  );
  const zh = () => lang() !== "en";
  const opinion = (c) =>
    h(
      "a",
      {
        href: `/api/zoning/checks/${c.id}/opinion`,
        download: c.file_name,
        class: "zoning-opinion",
      },
      t("zoning.opinion"),
    );

  function show(c) {
    const unitSuffix =
      c.kind === "polygon"
        ? t("zoning.hm2")
        : c.kind === "line"
          ? t("zoning.km")
          : "";
    add(
      clear(out),
      h(
        "p",
        {
          id: "zoning-verdict",
          class: `verdict verdict-${c.verdict}`,
          "data-verdict": c.verdict,
        },
        t("zoning.verdictLine", { v: zh() ? c.verdict_zh : c.verdict_en }),
      ),
      c.synthetic ? h("p", { class: "tag" }, t("zoning.synthetic")) : null,
      h("img", {
        src: `/api/zoning/checks/${c.id}/map.png?lang=${lang()}`,
        class: "zoning-map",
        alt: "",
      }),
      h("h3", {}, t("zoning.units")),
      table(
        [
          { key: "code", label: t("zoning.unit") },
          { key: "name", label: t("zoning.name") },
          {
            key: "cat",
            label: t("zoning.category"),
            render: (u) => (zh() ? u.category_zh : u.category_en),
          },
          {
            key: "measure",
            label: `${t("zoning.inside")} ${unitSuffix}`,
            render: (u) =>
              c.kind === "point"
                ? "—"
                : u.measure.toLocaleString(undefined, {
                    maximumFractionDigits: 2,
                  }),
          },
          {
            key: "share",
            label: t("zoning.share"),
            render: (u) => `${u.share_pct.toFixed(1)} %`,
          },
        ],
        c.units,
        { id: "zoning-units" },
      ),
      h("h3", {}, t("zoning.redlines")),
      c.redlines.length
        ? table(
            [
              { key: "code", label: t("zoning.unit") },
              { key: "name", label: t("zoning.name") },
              {
                key: "share",
                label: t("zoning.share"),
                render: (r) => `${r.share_pct.toFixed(1)} %`,
              },
            ],
            c.redlines,
            { id: "zoning-redlines" },
          )
        : h("p", {}, t("zoning.noRedline")),
      h("h3", {}, t("zoning.clauses")),
      table(
        [
          {
            key: "unit",
            label: t("zoning.appliesTo"),
            render: (x) =>
              x.unit === "redline" ? t("zoning.redline") : x.unit,
          },
          {
            key: "dimension",
            label: t("zoning.dimension"),
            render: (x) => (zh() ? x.dimension_zh : x.dimension_en),
          },
          {
            key: "effect",
            label: t("zoning.effect"),
            render: (x) => (zh() ? x.effect_zh : x.effect_en),
          },
          {
            key: "text",
            label: t("zoning.clause"),
            render: (x) => `${x.id} ${zh() ? x.text_zh : x.text_en}`,
          },
        ],
        c.clauses,
        { id: "zoning-clauses" },
      ),
      h("p", {}, opinion(c)),
    );
  }

  async function load() {
    const checks = await get("/api/zoning/checks");
    add(
      clear(listBox),
      table(
        [
          {
            key: "created_at",
            label: t("zoning.made"),
            render: (c) => dateTime(c.created_at),
          },
          { key: "created_by", label: t("zoning.by") },
          {
            key: "industry",
            label: t("zoning.industry"),
            render: (c) =>
              `${c.industry.code} ${zh() ? c.industry.zh : c.industry.en}`,
          },
          {
            key: "verdict",
            label: t("zoning.verdict"),
            render: (c) => (zh() ? c.verdict_zh : c.verdict_en),
          },
          {
            key: "file",
            label: t("zoning.opinion"),
            render: (c) => opinion(c),
          },
        ],
        checks,
        { id: "zoning-checks" },
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out).appendChild(message("info", t("zoning.working")));
    submit.disabled = true;
    try {
      const c = await post("/api/zoning/checks", {
        site: site.value,
        industry: industry.value,
        lang: lang(),
      });
      show(c);
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
