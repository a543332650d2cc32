// The workbench's shell: session, header, language switch, hash routes, screens.
//
// Routes: #/inbox, #/cluster/<id>?case=<ref>, #/case/<ref>, #/check?token=|kvk=&case=, #/trends.

import { ApiError, request } from "./api.js";
import { loadVocabulary } from "./colours.js";
import { clear, h } from "./dom.js";
import { LANGUAGES, formatDate, loadMessages, setLanguage, t } from "./i18n.js";
import { begin, ready, ui } from "./state.js";
import { renderCase } from "./screens/case.js";
import { renderCheck } from "./screens/check.js";
import { renderCluster } from "./screens/cluster.js";
import { renderInbox } from "./screens/inbox.js";
import { renderTrends } from "./screens/trends.js";

// Why a sign-in failed (/ui/?signin_error=<code>, api/routers/session.py).
const SIGNIN_ERRORS = ["not-configured", "state", "provider", "claims", "link-invalid", "link-used"];

const SCREENS = {
  inbox: renderInbox,
  cluster: renderCluster,
  case: renderCase,
  check: renderCheck,
  trends: renderTrends,
};

export function parseRoute(hash) {
  const raw = (hash || "").replace(/^#\/?/, "");
  const [path, qs = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(qs));
  const name = parts[0] && SCREENS[parts[0]] ? parts[0] : "inbox";
  return { name, id: parts[1] || null, query };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// What every screen gets: where to draw, the route, and how to say what it shows.
function screenContext(main, route, version) {
  return {
    main,
    route,
    current: () => version === ui.version,
    setContext(patch) {
      Object.assign(ui.context, patch);
      drawContext();
    },
    go,
  };
}

let header;
let contextLine;
let main;

function drawHeader() {
  clear(header);
  const session = ui.session;
  const nav = h(
    "nav",
    { class: "nav" },
    ...["inbox", "check", "trends"].map((name) =>
      h("a", { href: `#/${name}`, class: ui.screen === name ? "active" : null }, t(`nav.${name}`)),
    ),
  );
  const language = h(
    "select",
    {
      id: "language",
      "aria-label": t("shell.language"),
      onchange: (e) => {
        setLanguage(e.target.value);
        drawHeader();
        route();
      },
    },
    ...LANGUAGES.map((lang) =>
      h("option", { value: lang, selected: lang === ui.lang }, t(`shell.lang.${lang}`)),
    ),
  );
  let who;
  if (session) {
    who = h(
      "span",
      { class: "who", id: "who" },
      h("span", { class: "user" }, session.subject),
      " · ",
      h("span", { class: "org" }, session.org),
      " · ",
      h("span", { class: "role" }, t(`role.${session.role}`)),
      h("button", { type: "button", class: "link", id: "sign-out", onclick: signOut }, t("shell.sign_out")),
    );
  } else {
    who = h("a", { class: "button", id: "sign-in", href: "/ui/login" }, t("shell.sign_in"));
  }
  header.appendChild(h("a", { class: "brand", href: "#/inbox" }, "Knooppunt"));
  header.appendChild(nav);
  header.appendChild(h("span", { class: "spacer" }));
  header.appendChild(language);
  header.appendChild(who);
}

function drawContext() {
  clear(contextLine);
  const { run_id: run, as_of: asOf, case: caseRef } = ui.context;
  const item = (key, value) =>
    h("span", { class: "context-item" }, h("span", { class: "muted" }, t(key)), " ", value || "–");
  contextLine.appendChild(item("shell.run", run));
  contextLine.appendChild(item("shell.date", asOf ? formatDate(asOf) : null));
  contextLine.appendChild(item("shell.case", caseRef));
}

async function signOut() {
  try {
    await request("/ui/logout", { method: "POST" });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  ui.session = null;
  drawHeader();
  route();
}

// A problem answer as the screen's whole content: a 403 shows the refusal and nothing else.
export function showProblem(target, error) {
  clear(target);
  const problem = error instanceof ApiError ? error.problem : {};
  const status = error instanceof ApiError ? error.status : 0;
  const key = status === 403 ? "error.forbidden" : status === 404 ? "error.not_found" : "error.failed";
  target.appendChild(
    h(
      "div",
      { class: "problem", role: "alert", dataset: { status: String(status) } },
      h("h2", {}, t(key)),
      problem.title ? h("p", {}, problem.title) : null,
      problem.detail ? h("p", { class: "muted" }, problem.detail) : null,
    ),
  );
  ui.error = { status, title: problem.title || null };
  ready({ forbidden: status === 403, status });
}

async function route() {
  const target = parseRoute(location.hash);
  const version = begin(target.name);
  drawHeader();
  clear(main);
  ui.context = { run_id: null, as_of: null, case: target.query.case || null };
  drawContext();
  if (!ui.session) {
    ui.screen = "sign-in";
    const failed = new URLSearchParams(location.search).get("signin_error");
    const known = SIGNIN_ERRORS.includes(failed) ? failed : failed ? "unknown" : null;
    main.appendChild(
      h(
        "section",
        { class: "sign-in" },
        h("h1", {}, t("signin.title")),
        known ? h("p", { class: "problem", id: "signin-error" }, t(`signin.error.${known}`)) : null,
        h("p", {}, t("signin.text")),
        h("a", { class: "button primary", href: "/ui/login" }, t("shell.sign_in")),
      ),
    );
    ready({ signedIn: false, signinError: known });
    return;
  }
  try {
    await SCREENS[target.name](screenContext(main, target, version));
  } catch (error) {
    if (version !== ui.version) return;
    if (error instanceof ApiError && error.status === 401) {
      // The session ended (expired, signed out elsewhere): back to the sign-in.
      ui.session = null;
      route();
      return;
    }
    if (error instanceof ApiError) showProblem(main, error);
    else {
      showProblem(main, error);
      throw error;
    }
  }
}

async function loadSession() {
  try {
    ui.session = await request("/ui/session");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    ui.session = null;
  }
}

async function start() {
  const root = document.getElementById("app");
  header = h("header", { class: "shell" });
  contextLine = h("div", { class: "context", id: "context" });
  main = h("main", { id: "main" });
  root.append(header, contextLine, main);
  await Promise.all([loadMessages(), loadVocabulary(), loadSession()]);
  window.addEventListener("hashchange", route);
  await route();
}

start();
