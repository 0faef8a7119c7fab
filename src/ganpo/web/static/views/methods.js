// Methods: a profile's method table (GET /api/profiles/{name}/methods): indicator, method,
// formula, the clause it follows or "text unobtainable → follows …", parameters with their
// status, and the deviations from what it follows (in the page's language). Every signed-in
// user may read it.
import { get, query } from "../api.js";
import { add, clear, h, table } from "../dom.js";
import { lang, t } from "../i18n.js";

export async function render(root, ctx) {
  const profiles = await get("/api/profiles");
  const wanted = ctx.params.get("profile");
  const select = h(
    "select",
    { id: "methods-profile" },
    profiles.map((p) =>
      h(
        "option",
        { value: p.name, selected: p.name === wanted },
        lang() === "zh" ? p.title_zh : p.title_en,
      ),
    ),
  );
  const out = h("div", { id: "methods-table" });
  add(
    root,
    h("h1", {}, t("methods.title")),
    h(
      "div",
      { class: "card" },
      h("label", { for: "methods-profile" }, t("methods.profile"), select),
      h("p", { class: "hint" }, t("methods.intro")),
      out,
    ),
  );

  async function load() {
    const data = await get(
      `/api/profiles/${encodeURIComponent(select.value)}/methods${query({ lang: lang() })}`,
    );
    add(
      clear(out),
      h("p", { class: "basis", id: "methods-basis" }, data.basis),
      table(
        [
          {
            key: "indicator_name",
            label: t("methods.indicator"),
            render: (r) =>
              h(
                "span",
                {},
                r.indicator_name,
                r.physical
                  ? h("span", { class: "tag" }, t("methods.physical"))
                  : null,
              ),
          },
          { key: "method_name", label: t("methods.method") },
          {
            key: "formula",
            label: t("methods.formula"),
            render: (r) => h("code", {}, r.formula),
          },
          { key: "basis", label: t("methods.basis") },
          {
            key: "parameters",
            label: t("methods.parameters"),
            render: (r) =>
              r.parameters.length
                ? h(
                    "ul",
                    { class: "plain" },
                    r.parameters.map((p) =>
                      h(
                        "li",
                        {},
                        `${p.name} ${p.value} (${p.year}; ${p.status_name})`,
                      ),
                    ),
                  )
                : t("methods.noParameters"),
          },
          {
            key: "status_text",
            label: t("methods.status"),
            render: (r) =>
              h(
                "div",
                {},
                r.status_text,
                r.deviations.length
                  ? h(
                      "details",
                      {},
                      h("summary", {}, t("methods.deviations")),
                      h(
                        "ul",
                        {},
                        r.deviations.map((d) =>
                          h(
                            "li",
                            {},
                            lang() === "zh"
                              ? `${d.what}：${d.why}`
                              : `${d.what} — ${d.why}`,
                          ),
                        ),
                      ),
                    )
                  : null,
              ),
          },
        ],
        data.rows,
        { id: "methods-rows" },
      ),
    );
  }
  select.addEventListener("change", () => {
    ctx.navigate("methods", { profile: select.value });
  });
  await load();
}
