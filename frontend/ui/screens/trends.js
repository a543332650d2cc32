// The LIEC trends dashboard: GET /trends per region and quarter for a phenomenon (typology of
// clusters, or incident type); suppressed cells marked, rates per 100,000 next to counts where
// the API gives them; a small chart per region; CSV / XLSX downloads of the same table.

import { request, url } from "../api.js";
import { regionColour, vocabulary } from "../colours.js";
import { clear, h, s, swatch } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import { ready } from "../state.js";

export async function renderTrends(ctx) {
  const { main, route } = ctx;
  const q = route.query;
  const measure = q.measure === "clusters" ? "clusters" : "incidents";
  const query = { measure, by: "region,quarter", typology: q.typology || "", incident_type: q.incident_type || "", from: q.from || "", to: q.to || "" };
  const measureSelect = h("select", { name: "measure", id: "trend-measure" }, ...["incidents", "clusters"].map((m) => h("option", { value: m, selected: m === measure }, t(`trends.measure.${m}`))));
  const typology = h("select", { name: "typology", id: "trend-typology" }, h("option", { value: "" }, t("filter.all")), ...vocabulary().typologies.map((x) => h("option", { value: x, selected: x === q.typology }, t(`typology.${x}`))));
  const from = h("input", { type: "date", name: "from", value: q.from || "" });
  const to = h("input", { type: "date", name: "to", value: q.to || "" });
  const form = h("form", {
    class: "filters", id: "trend-form",
    onsubmit: (e) => {
      e.preventDefault();
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ measure: measureSelect.value, typology: typology.value, from: from.value, to: to.value })) if (v) params.set(k, v);
      ctx.go(`#/trends?${params}`);
    },
  }, h("label", {}, t("trends.measure"), measureSelect), h("label", {}, t("trends.phenomenon"), typology), h("label", {}, t("timeline.from"), from), h("label", {}, t("timeline.to"), to), h("button", { type: "submit", class: "primary" }, t("filter.apply")));
  const table = await request("/trends", { query });
  if (!ctx.current()) return;
  const suppressed = new Map((table.suppressed || []).map((c) => [`${c.row}|${c.column}`, c.reason]));
  // Rates per 100,000 inhabitants of the row's region(s), where the API gives its inhabitants.
  const inhabitants = table.row_inhabitants || [];
  const rates = inhabitants.some((n) => n)
    ? table.cells.map((row, i) => row.map((v) => (typeof v === "number" && inhabitants[i] ? (v * 100000) / inhabitants[i] : null)))
    : null;
  const grid = h("table", { class: "grid trends", id: "trend-table" });
  grid.appendChild(h("thead", {}, h("tr", {}, h("th", {}, t("trends.region")), ...table.columns.map((c) => h("th", {}, c)), h("th", {}, t("trends.total")))));
  const body = h("tbody");
  let marked = 0;
  table.rows.forEach((row, i) => {
    const cells = table.columns.map((col, j) => {
      const reason = suppressed.get(`${row}|${col}`);
      const value = table.cells[i][j];
      if (reason || value === null) {
        marked += 1;
        return h("td", { class: "suppressed", title: t(`trends.suppressed.${reason || "primary"}`), dataset: { suppressed: reason || "primary" } }, "•");
      }
      const rate = rates?.[i]?.[j];
      return h("td", { class: "number" }, formatNumber(value), rate !== undefined && rate !== null ? h("span", { class: "rate" }, ` (${formatNumber(rate, 1)})`) : null);
    });
    const total = table.row_totals?.[i];
    body.appendChild(h("tr", { dataset: { row } }, h("th", {}, swatch(regionColour(row)), row), ...cells, h("td", { class: "number" }, total === null || total === undefined ? "•" : formatNumber(total))));
  });
  grid.appendChild(body);
  const charts = h("div", { class: "charts", id: "trend-charts" });
  table.rows.forEach((row, i) => charts.appendChild(chart(row, table.columns, table.cells[i])));
  const downloads = h("p", { class: "downloads" },
    h("a", { href: url("/trends.csv", query), id: "trend-csv", download: "" }, t("trends.csv")), " · ",
    h("a", { href: url("/trends.xlsx", query), id: "trend-xlsx", download: "" }, t("trends.xlsx")));
  main.append(h("h1", {}, t("trends.title")), form,
    h("p", { class: "muted" }, t("trends.legend", { min: table.min_cell }), rates ? ` ${t("trends.rates")}` : null),
    grid, downloads, h("h3", {}, t("trends.charts")), charts);
  // Per phenomenon: the national figure per quarter of each typology (clusters) side by side.
  let phenomena = 0;
  if (measure === "clusters" && !q.typology) {
    const per = await Promise.all(
      vocabulary().typologies.map((x) => request("/trends", { query: { ...query, typology: x, by: "quarter" } })),
    );
    if (!ctx.current()) return;
    const box = h("div", { class: "charts", id: "trend-phenomena" });
    per.forEach((one, i) => {
      const name = t(`typology.${vocabulary().typologies[i]}`);
      box.appendChild(chart(name, one.columns, one.cells[0] || [], "#5b7fbf"));
    });
    phenomena = per.length;
    main.append(h("h3", {}, t("trends.per_phenomenon")), box);
  }
  ready({ measure, rows: table.rows.length, columns: table.columns.length, suppressed: marked, rates: Boolean(rates), phenomena });
}

function chart(row, columns, values, colour = null) {
  const width = 260;
  const height = 90;
  const pad = 14;
  const numbers = values.map((v) => (typeof v === "number" ? v : null));
  const top = Math.max(1, ...numbers.filter((v) => v !== null));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", "data-series": row });
  const step = (width - 2 * pad) / Math.max(1, columns.length);
  numbers.forEach((v, j) => {
    const x = pad + j * step;
    if (v === null) {
      svg.appendChild(s("text", { x: x + step / 2, y: height - pad, class: "suppressed-mark" }, "•"));
      return;
    }
    const barHeight = ((height - 2 * pad) * v) / top;
    svg.appendChild(s("rect", { x: x + 1, y: height - pad - barHeight, width: Math.max(1, step - 2), height: barHeight, fill: colour || regionColour(row) }, s("title", {}, `${columns[j]}: ${v}`)));
  });
  svg.appendChild(s("text", { x: pad, y: 11, class: "axis" }, row));
  return h("figure", {}, svg);
}
