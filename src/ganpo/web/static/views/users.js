// Users (administrators): list, create, change role or scope, deactivate, reset a password.
import { api, get, post } from "../api.js";
import { add, clear, dateTime, h, message, table } from "../dom.js";
import { lang, t } from "../i18n.js";

const ROLES = ["admin", "office", "reporter", "reviewer", "viewer", "auditor"];

export async function render(root) {
  const listBox = h("div", { id: "users-table" });
  const out = h("div", {});
  let departments = [];
  let regions = [];
  try {
    [departments, regions] = await Promise.all([
      get("/api/reporting/departments"),
      get("/api/regions"),
    ]);
  } catch (err) {
    console.warn(err);
  }
  // "360100 南昌市" / "360100 Nanchang": code and name in the page's language
  const regionLabel = (code) => {
    const r = regions.find((x) => Number(x.adcode) === Number(code));
    const name = r && (lang() === "en" && r.name_en ? r.name_en : r.name_zh);
    return name ? `${code} ${name}` : String(code);
  };
  const username = h("input", {
    id: "new-username",
    required: true,
    pattern: "[A-Za-z0-9_.@-]+",
  });
  const password = h("input", {
    id: "new-password",
    type: "password",
    minlength: 8,
    required: true,
  });
  const role = h(
    "select",
    { id: "new-role" },
    ROLES.map((r) => h("option", { value: r }, t(`role.${r}`))),
  );
  const department = h(
    "select",
    { id: "new-department" },
    h("option", { value: "" }, "—"),
    departments.map((d) =>
      h("option", { value: d.key }, t(`dept.${d.key}`, {}, d.name_zh)),
    ),
  );
  // a viewer's region: the province, then each city with its counties
  const cityOf = (r) =>
    r.level === "county" ? Number(r.parent) : Number(r.adcode);
  const region = h(
    "select",
    { id: "new-region" },
    h("option", { value: "" }, "—"),
    regions
      .filter((r) => r.level === "province")
      .map((r) => h("option", { value: r.adcode }, regionLabel(r.adcode))),
    regions
      .filter((r) => r.level === "city")
      .map((city) =>
        h(
          "optgroup",
          { label: regionLabel(city.adcode) },
          regions
            .filter(
              (r) =>
                r.level !== "province" && cityOf(r) === Number(city.adcode),
            )
            .map((r) =>
              h("option", { value: r.adcode }, regionLabel(r.adcode)),
            ),
        ),
      ),
  );
  const create = h(
    "form",
    { class: "inline-form", id: "user-create" },
    h("label", {}, t("auth.username"), username),
    h("label", {}, t("auth.password"), password),
    h("label", {}, t("users.role"), role),
    h("label", {}, t("users.department"), department),
    h("label", {}, t("users.region"), region),
    h("button", { type: "submit" }, t("users.create")),
  );
  add(
    root,
    h("h1", {}, t("users.title")),
    h(
      "div",
      { class: "card" },
      h("h2", {}, t("users.new")),
      h("p", { class: "hint" }, t("users.hint")),
      create,
      out,
    ),
    h("div", { class: "card" }, listBox),
  );

  async function load() {
    const users = await get("/api/users");
    add(
      clear(listBox),
      table(
        [
          { key: "username", label: t("auth.username") },
          {
            key: "role",
            label: t("users.role"),
            render: (u) => t(`role.${u.role}`, {}, u.role),
          },
          {
            key: "scope",
            label: t("users.scope"),
            render: (u) =>
              u.department
                ? t(`dept.${u.department}`, {}, u.department)
                : u.region_adcode
                  ? regionLabel(u.region_adcode)
                  : "—",
          },
          {
            key: "active",
            label: t("users.active"),
            render: (u) => (u.active ? "✓" : "✗"),
          },
          {
            key: "created_at",
            label: t("accounts.created"),
            render: (u) => dateTime(u.created_at),
          },
          {
            key: "actions",
            label: t("accounts.actions"),
            render: (u) => actions(u),
          },
        ],
        users,
      ),
    );
  }

  function actions(u) {
    const toggle = h(
      "button",
      { type: "button", class: "secondary" },
      u.active ? t("users.deactivate") : t("users.activate"),
    );
    const newPassword = h("input", {
      type: "password",
      minlength: 8,
      placeholder: t("users.newPassword"),
      "aria-label": t("users.newPassword"),
    });
    const reset = h(
      "button",
      { type: "button", class: "secondary" },
      t("users.reset"),
    );
    const change = async (body, done) => {
      clear(out);
      try {
        await api("PATCH", `/api/users/${u.id}`, body);
        await load();
        add(out, message("ok", done));
      } catch (err) {
        add(out, message("error", `${u.username}: ${err.message}`));
      }
    };
    toggle.addEventListener("click", () =>
      change({ active: !u.active }, t("users.changed", { name: u.username })),
    );
    reset.addEventListener("click", () =>
      change(
        { password: newPassword.value },
        t("users.changed", { name: u.username }),
      ),
    );
    return h("span", { class: "actions" }, toggle, newPassword, reset);
  }

  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out);
    const body = {
      username: username.value.trim(),
      password: password.value,
      role: role.value,
    };
    if (department.value) body.department = department.value;
    if (region.value) body.region_adcode = Number(region.value);
    try {
      await post("/api/users", body);
      create.reset();
      await load();
      add(out, message("ok", t("users.created", { name: body.username })));
    } catch (err) {
      add(out, message("error", err.message));
    }
  });
  await load();
}
