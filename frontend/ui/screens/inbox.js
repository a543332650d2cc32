// The alert inbox: GET /alerts for the user's organisation (the server keeps a RIEC to its own
// region), filtered by status, typology and date on the server and by kind and score here,
// sorted by any column, paged with the cursor; triage (acknowledge / close with a note), a case
// opened from an alert; unread marks kept in localStorage.

import { request } from "../api.js";
import { regionColour, vocabulary } from "../colours.js";
import { clear, h, swatch } from "../dom.js";
import { formatNumber, formatTime, problemText, t } from "../i18n.js";
import { ready, ui, update } from "../state.js";

const READ_KEY = "knooppunt.read-alerts";

function readMarks() {
  try {
    return new Set(JSON.parse(localStorage.getItem(READ_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function saveMarks(marks) {
  localStorage.setItem(READ_KEY, JSON.stringify([...marks].slice(-5000)));
}

const COLUMNS = [
  ["created_at", "inbox.col.created"],
  ["kind", "inbox.col.kind"],
  ["typology", "inbox.col.typology"],
  ["score", "inbox.col.score"],
  ["regions", "inbox.col.regions"],
  ["status", "inbox.col.status"],
  ["run_id", "inbox.col.run"],
];

export async function renderInbox(ctx) {
  const { main, route } = ctx;
  const q = route.query;
  const state = {
    filters: {
      status: q.status || "",
      typology: q.typology || "",
      since: q.since || "",
      kind: q.kind || "",
      min_score: q.min_score || "",
      region: q.region || "",
    },
    sort: { key: "created_at", descending: true },
    alerts: [],
    next: null,
    marks: readMarks(),
  };
  const table = h("table", { class: "grid", id: "alerts" });
  const footer = h("div", { class: "footer" });
  const message = h("div", { class: "message", role: "status" });

  const filterBar = h(
    "form",
    {
      class: "filters",
      id: "inbox-filters",
      onsubmit: (e) => {
        e.preventDefault();
        load(true);
      },
    },
    field(
      "inbox.filter.status",
      select("status", state.filters.status, ["", "open", "acknowledged", "closed"], (v) =>
        v ? t(`status.${v}`) : t("filter.all"),
      ),
    ),
    field(
      "inbox.filter.typology",
      select("typology", state.filters.typology, ["", ...vocabulary().typologies], (v) =>
        v ? t(`typology.${v}`) : t("filter.all"),
      ),
    ),
    field("inbox.filter.kind", select("kind", state.filters.kind, ["", ...vocabulary().alert_kinds], (v) => (v ? t(`alert.kind.${v}`) : t("filter.all")))),
    field("inbox.filter.min_score", h("input", { name: "min_score", type: "number", min: "0", max: "100", step: "1", value: state.filters.min_score })),
    field("inbox.filter.since", h("input", { name: "since", type: "date", value: state.filters.since })),
    // The LIEC sees every cross-region alert and may narrow them to one region.
    ui.session?.org === "LIEC"
      ? field("inbox.filter.region", select("region", state.filters.region, ["", ...vocabulary().regions], (v) => v || t("filter.all")))
      : null,
    h("button", { type: "submit", class: "primary", id: "apply-filters" }, t("filter.apply")),
  );
  main.append(h("h1", {}, t("inbox.title")), filterBar, message, table, footer);

  function readFilters() {
    const data = new FormData(filterBar);
    for (const key of Object.keys(state.filters)) state.filters[key] = String(data.get(key) || "");
  }

  async function load(fresh) {
    readFilters();
    const f = state.filters;
    const page = await request("/alerts", {
      query: {
        status: f.status,
        typology: f.typology,
        since: f.since ? `${f.since}T00:00:00Z` : "",
        region: f.region,
        cursor: fresh ? null : state.next,
        limit: 50,
      },
    });
    if (!ctx.current()) return;
    state.alerts = fresh ? page.items : state.alerts.concat(page.items);
    state.next = page.next_cursor;
    draw();
  }

  function visible() {
    const f = state.filters;
    const minimum = f.min_score === "" ? null : Number(f.min_score);
    const rows = state.alerts.filter(
      (a) => (!f.kind || a.kind === f.kind) && (minimum === null || (a.score ?? -1) >= minimum),
    );
    const { key, descending } = state.sort;
    const value = (a) => (key === "regions" ? a.regions.join(",") : a[key] ?? "");
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    });
    return rows;
  }

  function draw() {
    const rows = visible();
    clear(table);
    const head = h(
      "tr",
      {},
      h("th", { class: "narrow" }, ""),
      ...COLUMNS.map(([key, label]) =>
        h(
          "th",
          {},
          h(
            "button",
            {
              type: "button",
              class: `sort${state.sort.key === key ? (state.sort.descending ? " down" : " up") : ""}`,
              dataset: { sort: key },
              onclick: () => {
                state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : true };
                draw();
              },
            },
            t(label),
          ),
        ),
      ),
      h("th", {}, t("inbox.col.actions")),
    );
    table.appendChild(h("thead", {}, head));
    const body = h("tbody");
    for (const alert of rows) body.appendChild(rowOf(alert));
    table.appendChild(body);
    if (!rows.length) body.appendChild(h("tr", {}, h("td", { colspan: String(COLUMNS.length + 2), class: "muted" }, t("inbox.empty"))));
    clear(footer);
    footer.appendChild(h("span", { class: "muted" }, t("inbox.count", { n: rows.length, total: state.alerts.length })));
    if (state.next) {
      footer.appendChild(h("button", { type: "button", id: "more-alerts", onclick: () => load(false) }, t("inbox.more")));
    }
    const regions = [...new Set(state.alerts.flatMap((a) => a.regions))].sort();
    ready({
      rows: rows.length,
      loaded: state.alerts.length,
      ids: rows.map((a) => a.id),
      regions,
      unread: rows.filter((a) => !state.marks.has(a.id)).length,
      filters: { ...state.filters },
      sort: { ...state.sort },
      more: Boolean(state.next),
    });
  }

  function markRead(alert) {
    state.marks.add(alert.id);
    saveMarks(state.marks);
  }

  function rowOf(alert) {
    const unread = !state.marks.has(alert.id);
    const actions = h("td", { class: "actions" });
    const detail = h("td", { colspan: String(COLUMNS.length + 2), class: "detail" });
    const detailRow = h("tr", { class: "detail-row hidden" }, detail);
    const caseLink = alert.case_reference ? `?case=${encodeURIComponent(alert.case_reference)}` : "";
    actions.append(
      h(
        "a",
        {
          href: `#/cluster/${encodeURIComponent(alert.cluster_id)}${caseLink}`,
          class: "button",
          onclick: () => markRead(alert),
        },
        t("inbox.open_cluster"),
      ),
    );
    if (alert.status !== "closed") {
      if (alert.status === "open") {
        actions.append(h("button", { type: "button", dataset: { action: "acknowledge" }, onclick: () => triage(alert, "acknowledged", detail, detailRow) }, t("inbox.acknowledge")));
      }
      actions.append(h("button", { type: "button", dataset: { action: "close" }, onclick: () => triage(alert, "closed", detail, detailRow) }, t("inbox.close")));
    }
    if (alert.case_reference) {
      actions.append(h("a", { href: `#/case/${encodeURIComponent(alert.case_reference)}`, class: "button" }, alert.case_reference));
    } else {
      actions.append(h("button", { type: "button", dataset: { action: "open-case" }, onclick: () => openCase(alert, detail, detailRow) }, t("inbox.open_case")));
    }
    const row = h(
      "tr",
      { class: unread ? "unread" : "", dataset: { alert: alert.id } },
      h("td", { class: "narrow" }, h("button", { type: "button", class: "dot", title: unread ? t("inbox.mark_read") : t("inbox.mark_unread"), onclick: () => {
        if (state.marks.has(alert.id)) state.marks.delete(alert.id);
        else state.marks.add(alert.id);
        saveMarks(state.marks);
        draw();
      } }, unread ? "●" : "○")),
      h("td", {}, formatTime(alert.created_at)),
      h("td", {}, t(`alert.kind.${alert.kind}`), h("div", { class: "muted small", dataset: { summary: "" } }, alertSummary(alert))),
      h("td", {}, alert.typology ? t(`typology.${alert.typology}`) : "–"),
      h("td", { class: "number" }, formatNumber(alert.score, 1)),
      h("td", {}, ...alert.regions.map((r) => h("span", { class: "tag" }, swatch(regionColour(r)), r))),
      h("td", {}, h("span", { class: `status status-${alert.status}` }, t(`status.${alert.status}`))),
      h("td", { class: "mono" }, alert.run_id || "–"),
      actions,
    );
    const frag = document.createDocumentFragment();
    frag.append(row, detailRow);
    return frag;
  }

  function showForm(detail, detailRow, form) {
    clear(detail);
    detail.appendChild(form);
    detailRow.classList.remove("hidden");
  }

  function triage(alert, status, detail, detailRow) {
    const note = h("textarea", { name: "note", required: true, maxlength: "2000", rows: "2" });
    const error = h("span", { class: "error" });
    const form = h(
      "form",
      {
        class: "inline-form",
        dataset: { form: "triage" },
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const changed = await request(`/alerts/${encodeURIComponent(alert.id)}/status`, {
              method: "POST",
              body: { status, note: note.value },
            });
            alert.status = changed.status;
            alert.status_changed_at = changed.changed_at;
            markRead(alert);
            message.textContent = t("inbox.status_changed", { id: alert.id, status: t(`status.${changed.status}`) });
            draw();
          } catch (err) {
            error.textContent = problemText(err);
            update({ lastError: err.status || 0 });
          }
        },
      },
      h("label", {}, t(status === "closed" ? "inbox.close_note" : "inbox.acknowledge_note"), note),
      h("button", { type: "submit", class: "primary" }, t(status === "closed" ? "inbox.close" : "inbox.acknowledge")),
      error,
    );
    showForm(detail, detailRow, form);
  }

  function openCase(alert, detail, detailRow) {
    const v = vocabulary();
    const title = h("input", { name: "title", required: true, minlength: "3", maxlength: "200" });
    const phenomenon = select("phenomenon", alert.typology && v.phenomena.includes(alert.typology) ? alert.typology : "other", v.phenomena, (p) => t(`phenomenon.${p}`));
    const basis = select("legal_basis", "WPG", v.legal_bases, (b) => b);
    const purpose = h("textarea", { name: "purpose", required: true, minlength: "10", maxlength: "4000", rows: "2" });
    const error = h("span", { class: "error" });
    const form = h(
      "form",
      {
        class: "inline-form",
        dataset: { form: "open-case" },
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            const opened = await request("/cases", {
              method: "POST",
              body: {
                title: title.value,
                phenomenon: phenomenon.value,
                purpose: purpose.value,
                legal_basis: basis.value,
                alert_id: alert.id,
              },
            });
            markRead(alert);
            ctx.go(`#/case/${encodeURIComponent(opened.reference)}`);
          } catch (err) {
            error.textContent = problemText(err);
            update({ lastError: err.status || 0 });
          }
        },
      },
      h("label", {}, t("case.title_field"), title),
      h("label", {}, t("case.phenomenon"), phenomenon),
      h("label", {}, t("case.legal_basis"), basis),
      h("label", { class: "wide" }, t("case.purpose"), purpose),
      h("button", { type: "submit", class: "primary" }, t("inbox.open_case")),
      error,
    );
    showForm(detail, detailRow, form);
  }

  await load(true);
}

function field(label, control) {
  return h("label", {}, h("span", {}, t(label)), control);
}

function select(name, value, options, labelOf) {
  return h(
    "select",
    { name },
    ...options.map((o) => h("option", { value: o, selected: o === value }, labelOf(o))),
  );
}

// The alert's summary in the reader's language, from the alert's own fields. The stored
// `summary` is the API's English line for scripts; a kind the catalogue has no line for keeps it.
export function alertSummary(alert) {
  const key = `alert.summary.${alert.kind}`;
  const text = t(key, {
    regions: (alert.regions || []).join(", "),
    new_regions: (alert.new_regions || []).join(", "),
    typology: alert.typology ? t(`typology.${alert.typology}`) : "–",
    score: formatNumber(alert.score, 0),
    growth: alert.growth === null || alert.growth === undefined ? "" : ` (+${formatNumber(alert.growth * 100, 0)}%)`,
  });
  return text === key ? alert.summary || "" : text;
}
