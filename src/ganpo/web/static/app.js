// Shell of the ganpo platform UI: session, role-based navigation, hash routing, language.
import { ApiError, get, post, setCsrfToken } from "./api.js";
import { add, clear, h, message } from "./dom.js";
import { lang, onLangChange, setLang, t } from "./i18n.js";

// pages and the roles that see them (null: every signed-in user); the API enforces the same
const PAGES = [
  { id: "map", roles: null, load: () => import("./views/map.js") },
  { id: "accounts", roles: null, load: () => import("./views/accounts.js") },
  { id: "methods", roles: null, load: () => import("./views/methods.js") },
  { id: "carbon", roles: null, load: () => import("./views/carbon.js") },
  {
    id: "inclusive",
    roles: null,
    load: () => import("./views/inclusive.js"),
  },
  {
    id: "footprints",
    roles: null,
    load: () => import("./views/footprints.js"),
  },
  { id: "tracking", roles: null, load: () => import("./views/tracking.js") },
  { id: "zoning", roles: null, load: () => import("./views/zoning.js") },
  { id: "landuse", roles: null, load: () => import("./views/landuse.js") },
  {
    id: "reporting",
    roles: ["reporter"],
    load: () => import("./views/reporting.js"),
  },
  {
    id: "review",
    roles: ["reviewer", "office", "admin"],
    load: () => import("./views/review.js"),
  },
  { id: "users", roles: ["admin"], load: () => import("./views/users.js") },
  { id: "audit", roles: ["admin"], load: () => import("./views/audit.js") },
  {
    id: "audit-packs",
    roles: ["auditor", "admin"],
    load: () => import("./views/audit-packs.js"),
  },
];

const state = {
  me: null,
  platform: null, // the base dataset: its years and the year pages start with
  cleanups: [],
  renderId: 0,
  regionNames: new Map(),
};

function allowed(page, me) {
  return page.roles === null || (me && page.roles.includes(me.role));
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search] = raw.split("?");
  return { page: path || "", params: new URLSearchParams(search || "") };
}

export function navigate(page, params = {}) {
  const q = new URLSearchParams(params).toString();
  const target = `#/${page}${q ? `?${q}` : ""}`;
  if (location.hash === target) route();
  else location.hash = target;
}

// a region's name in the page's language (Chinese where no English name is known)
function regionLabel(region) {
  if (!region) return "";
  return lang() === "en" && region.name_en ? region.name_en : region.name_zh;
}

function renderShell() {
  const me = state.me;
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  document.title = t("app.title");
  document.getElementById("brand-title").textContent = t("app.short");
  document.getElementById("lang").value = lang();
  const top = document.getElementById("top");
  top.hidden = false;
  const nav = clear(document.getElementById("nav"));
  const who = clear(document.getElementById("who"));
  const logout = document.getElementById("logout");
  logout.textContent = t("auth.logout");
  logout.hidden = !me;
  if (!me) return;
  const current = parseHash().page;
  for (const page of PAGES.filter((p) => allowed(p, me))) {
    nav.appendChild(
      h(
        "a",
        {
          href: `#/${page.id}`,
          class: current === page.id ? "active" : "",
          "data-page": page.id,
        },
        t(`nav.${page.id}`),
      ),
    );
  }
  const scope = me.department
    ? t(`dept.${me.department}`, {}, me.department)
    : me.region_adcode
      ? regionLabel(state.regionNames.get(Number(me.region_adcode))) ||
        `${t("who.region")} ${me.region_adcode}`
      : "";
  add(
    who,
    h("span", { class: "user", "data-username": me.username }, me.username),
    h("span", { class: "role" }, t(`role.${me.role}`)),
    scope ? h("span", { class: "scope" }, scope) : null,
  );
}

async function route() {
  const renderId = ++state.renderId;
  // the previous page's cleanups (charts, timers) run before its elements are removed, even
  // when it is still loading
  for (const fn of state.cleanups.splice(0)) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
  const view = clear(document.getElementById("view"));
  const { page, params } = parseHash();
  renderShell();
  if (!state.me) {
    renderLogin(view);
    return;
  }
  const visible = PAGES.filter((p) => allowed(p, state.me));
  const target = visible.find((p) => p.id === page);
  if (!target) {
    const fallback = startPage(state.me);
    if (!page || page === "login") {
      location.replace(`#/${fallback}`);
      return;
    }
    // a page the role may not open (or none of that name): said so, with a way back
    renderRefused(
      view,
      PAGES.some((p) => p.id === page) ? "forbidden" : "missing",
      page,
    );
    return;
  }
  view.appendChild(h("p", { class: "loading" }, t("common.loading")));
  try {
    if (!state.platform) state.platform = await get("/api/platform");
    const module = await target.load();
    if (renderId !== state.renderId) return;
    clear(view);
    const container = h("section", {
      class: `page page-${target.id}`,
      "data-page": target.id,
    });
    view.appendChild(container);
    const alive = () => renderId === state.renderId;
    const cleanups = state.cleanups;
    const onCleanup = (fn) => (alive() ? cleanups.push(fn) : fn());
    const cleanup = await module.render(container, {
      me: state.me,
      platform: state.platform,
      params,
      navigate,
      alive,
      onCleanup,
    });
    if (cleanup) onCleanup(cleanup);
  } catch (err) {
    if (renderId !== state.renderId) return;
    if (err instanceof ApiError && err.status === 401) {
      state.me = null;
      route();
      return;
    }
    if (err instanceof ApiError && err.status === 403) {
      renderRefused(clear(view), "forbidden", target.id, err.message);
      return;
    }
    clear(view).appendChild(
      message("error", `${t("common.error")}: ${err.message}`),
    );
    console.error(err);
  }
}

function startPage(me) {
  return me.role === "reporter" ? "reporting" : "map";
}

// "无权访问 / Not allowed" (or "page not found"), in place of a silent redirect
function renderRefused(view, kind, page, detail) {
  const known = PAGES.some((p) => p.id === page);
  const name = known ? t(`nav.${page}`) : page;
  const back = startPage(state.me);
  view.appendChild(
    h(
      "section",
      {
        class: "page page-forbidden card",
        "data-page": kind === "forbidden" ? "forbidden" : "not-found",
        "data-refused": page,
        role: "alert",
      },
      h(
        "h1",
        {},
        t(kind === "forbidden" ? "forbidden.title" : "notFound.title"),
      ),
      h(
        "p",
        {},
        kind === "forbidden"
          ? t("forbidden.text", {
              page: name,
              role: t(`role.${state.me.role}`),
            })
          : t("notFound.text", { page: name }),
      ),
      detail ? h("p", { class: "hint" }, detail) : null,
      h(
        "p",
        {},
        h(
          "a",
          { href: `#/${back}`, id: "refused-back" },
          t("forbidden.back", { page: t(`nav.${back}`) }),
        ),
      ),
    ),
  );
}

function renderLogin(view) {
  const error = h("div", { class: "login-error" });
  const user = h("input", {
    name: "username",
    id: "username",
    autocomplete: "username",
    required: true,
  });
  const pass = h("input", {
    name: "password",
    id: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "login card", id: "login-form" },
    h("h1", {}, t("app.title")),
    h("p", { class: "hint" }, t("auth.intro")),
    h("label", { for: "username" }, t("auth.username")),
    user,
    h("label", { for: "password" }, t("auth.password")),
    pass,
    h("button", { type: "submit", id: "login-submit" }, t("auth.login")),
    error,
    h("p", { class: "hint small" }, t("auth.demo")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(error);
    try {
      const me = await post("/api/auth/login", {
        username: user.value.trim(),
        password: pass.value,
      });
      setSession(me);
      const fallback = startPage(me);
      const { page } = parseHash();
      navigate(page && page !== "login" ? page : fallback);
    } catch (err) {
      error.appendChild(
        message(
          "error",
          err instanceof ApiError && err.status === 401
            ? t("auth.failed")
            : err.message,
        ),
      );
    }
  });
  view.appendChild(
    h("section", { class: "page page-login", "data-page": "login" }, form),
  );
  user.focus();
}

function setSession(me) {
  state.me = me;
  state.platform = null;
  state.regionNames = new Map();
  setCsrfToken(me ? me.csrf_token : null);
  if (me && me.region_adcode) {
    // the name of the viewer's region for the header (its own region is always visible)
    get("/api/regions")
      .then((regions) => {
        state.regionNames = new Map(regions.map((r) => [Number(r.adcode), r]));
        renderShell();
      })
      .catch((err) => console.warn(err));
  }
}

async function start() {
  document
    .getElementById("lang")
    .addEventListener("change", (e) => setLang(e.target.value));
  onLangChange(() => route());
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await post("/api/auth/logout");
    } catch (err) {
      console.warn(err);
    }
    setSession(null);
    location.hash = "#/login";
    route();
  });
  window.addEventListener("hashchange", route);
  try {
    setSession(await get("/api/auth/me"));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.warn(err);
    setSession(null);
  }
  route();
}

start();
