// The cluster workspace: the network (sigma.js), expand, search, filters, timeline, map, key
// players, history, what-if and exports of one cluster, read within a case.

import { connectedComponents } from "graphology-components";
import { download, request } from "../api.js";
import { partnerColour, vocabulary } from "../colours.js";
import { clear, h, swatch } from "../dom.js";
import { formatDate, formatNumber, formatTime, labelOr, problemText, t } from "../i18n.js";
import { addToGraph, layoutIfNeeded, mountSigma, newGraph, snapshotPng } from "../graphview.js";
import { loadRegions, renderMap } from "../map.js";
import { renderTimeline } from "../timeline.js";
import { ready, ui, update } from "../state.js";

// Kinds that connect members (incidents, investigations, addresses): counted, not drawn,
// until the analyst shows them (a toggle per kind) or an expansion brings one in.
export const CONNECTOR_KINDS = ["Incident", "Investigation", "Address"];
const EXPAND_STEP = 25;
const EXPAND_MAX = 200;

export async function renderCluster(ctx) {
  const { main, route } = ctx;
  const clusterId = route.id;
  const caseRef = route.query.case || null;
  if (!caseRef) {
    await chooseCase(ctx, clusterId);
    return;
  }
  const started = performance.now();
  // Everything first: on any refusal nothing of the cluster has been drawn.
  const [detail, data, shapes] = await Promise.all([
    request(`/clusters/${encodeURIComponent(clusterId)}`, { caseRef }),
    request(`/clusters/${encodeURIComponent(clusterId)}/graph`, { caseRef }),
    loadRegions(),
  ]);
  if (!ctx.current()) return;
  const fetched = performance.now();
  ctx.setContext({ run_id: data.run_id || detail.last_run || null, as_of: data.as_of || detail.updated_at || null, case: caseRef });

  const members = new Map((detail.members || []).map((m) => [m.id, m]));
  const graph = newGraph();
  const memberAttrs = (node) => {
    const m = members.get(node.id) || node.properties?.membership || null;
    if (!node.member || !m) return {};
    const rank = m.rank ?? null;
    const role = m.scarce_role || (m.is_broker ? t("cluster.broker") : t(`kind.${node.label}`));
    return {
      rank,
      size: rank ? Math.max(9, 18 - rank) : 8,
      label: `${rank ? `#${rank} ` : ""}${role} · ${node.id}`,
    };
  };
  addToGraph(graph, data.nodes, data.links, { nodeAttrs: memberAttrs });
  const laidOut = layoutIfNeeded(graph);

  // What the view shows: recomputed by applyFilters() from the filters below.
  const view = {
    hiddenNodes: new Set(),
    hiddenLinks: new Set(),
    selected: new Set(),
    matches: new Set(),
    removed: new Set(),
  };
  const partnersPresent = new Set();
  const typesPresent = new Set();
  const basesPresent = new Set();
  const collectFacets = () => {
    graph.forEachEdge((id, attrs) => {
      const p = attrs.data.provenance || {};
      (p.partners || []).forEach((x) => partnersPresent.add(x));
      typesPresent.add(attrs.data.type);
      (p.sources || []).forEach((src) => src.legal_basis && basesPresent.add(src.legal_basis));
    });
  };
  collectFacets();
  const filters = {
    partners: new Set(partnersPresent),
    types: new Set(typesPresent),
    bases: new Set(basesPresent),
    from: null,
    to: null,
    connectors: new Set(),
  };
  const revealed = new Set(); // nodes an expansion brought in (shown whatever their kind)
  const expanded = new Map(); // node -> {limit, total, more, added, outside}
  let whatIf = null;
  let lastExport = null;
  let search = { query: "", matches: 0 };

  // ---- layout of the screen
  const title = h(
    "div",
    { class: "title" },
    h("h1", {}, t("cluster.title", { id: clusterId })),
    h("span", { class: "tag" }, detail.typology ? t(`typology.${detail.typology}`) : "–"),
    h("span", { class: "tag" }, t("cluster.score", { score: formatNumber(detail.score, 1) })),
    h("span", { class: "tag" }, t("cluster.size", { n: detail.size ?? data.nodes.length })),
    data.truncated ? h("span", { class: "tag warn" }, t("cluster.truncated")) : null,
    outsideNote(data.outside),
  );
  const left = h("aside", { class: "panel left" });
  const right = h("aside", { class: "panel right" });
  const canvas = h("div", { class: "graph", id: "graph" });
  const counter = h("div", { class: "counter", id: "graph-counts" });
  const timeline = h("div", { class: "timeline-box", id: "timeline" });
  const centre = h("section", { class: "centre" }, counter, canvas, timeline);
  main.append(title, h("div", { class: "workspace" }, left, centre, right));
  const renderer = mountSigma(canvas, graph, view);

  // ---- filters and the view
  // The dates of a link, as the API's schema names them (GraphLink): a period from
  // properties.since to properties.until (until null: current); else the date of the incident
  // or permit application at its other end; else properties.date; else when the partners
  // reported it (provenance.first_seen .. last_seen).
  const today = Date.now();
  function linkDates(id, attrs) {
    const p = attrs.data.properties || {};
    const day = (value) => (value ? Date.parse(String(value).slice(0, 10)) : NaN);
    const span = (a, b) => (Number.isNaN(a) ? null : { start: a, end: Number.isNaN(b) ? a : Math.max(a, b) });
    if (p.since) return span(day(p.since), p.until ? day(p.until) : today);
    for (const end of graph.extremities(id)) {
      const d = graph.getNodeAttribute(end, "data").properties?.date;
      if (d) return span(day(d), day(d));
    }
    if (p.date) return span(day(p.date), day(p.date));
    const seen = attrs.data.provenance || {};
    return span(day(seen.first_seen), day(seen.last_seen));
  }

  function nodeShown(id, attrs) {
    if (attrs.member) return true;
    if (revealed.has(id)) return true;
    if (CONNECTOR_KINDS.includes(attrs.kind)) return filters.connectors.has(attrs.kind);
    return true;
  }

  function linkPasses(id, attrs, withDates) {
    const d = attrs.data;
    const p = d.provenance || {};
    const partners = p.partners || [];
    if (partners.length && !partners.some((x) => filters.partners.has(x))) return false;
    if (!filters.types.has(d.type)) return false;
    const bases = (p.sources || []).map((src) => src.legal_basis).filter(Boolean);
    if (bases.length && !bases.some((b) => filters.bases.has(b))) return false;
    if (withDates && (filters.from || filters.to)) {
      const dates = linkDates(id, attrs);
      if (dates) {
        const from = filters.from ? Date.parse(filters.from) : -Infinity;
        const to = filters.to ? Date.parse(filters.to) + 86400000 - 1 : Infinity;
        if (dates.end < from || dates.start > to) return false;
      }
    }
    return true;
  }

  let filterMs = null;
  let whatIfMs = null;
  let drawMs = null;
  function applyFilters() {
    const began = performance.now();
    view.hiddenNodes.clear();
    view.hiddenLinks.clear();
    graph.forEachNode((id, attrs) => {
      if (!nodeShown(id, attrs)) view.hiddenNodes.add(id);
    });
    const degree = new Map();
    graph.forEachEdge((id, attrs, source, target) => {
      if (view.hiddenNodes.has(source) || view.hiddenNodes.has(target) || !linkPasses(id, attrs, true)) {
        view.hiddenLinks.add(id);
        return;
      }
      degree.set(source, (degree.get(source) || 0) + 1);
      degree.set(target, (degree.get(target) || 0) + 1);
    });
    // A non-member left without any shown link is not shown either.
    graph.forEachNode((id, attrs) => {
      if (!attrs.member && !view.hiddenNodes.has(id) && !degree.get(id) && graph.degree(id) > 0) {
        view.hiddenNodes.add(id);
      }
    });
    renderer.refresh();
    drawCounts();
    drawMap();
    if (whatIf) runWhatIf(whatIf.mode, whatIf.n, false);
    filterMs = Math.round(performance.now() - began);
    publish();
  }

  function shownNodes() {
    return graph.filterNodes((id) => !view.hiddenNodes.has(id));
  }

  function shownLinks() {
    return graph.filterEdges((id) => !view.hiddenLinks.has(id));
  }

  function drawCounts() {
    clear(counter);
    const n = graph.order - view.hiddenNodes.size;
    const m = graph.size - view.hiddenLinks.size;
    counter.append(
      h("span", { id: "shown-nodes" }, t("cluster.shown_nodes", { n, total: graph.order })),
      " · ",
      h("span", { id: "shown-links" }, t("cluster.shown_links", { n: m, total: graph.size })),
    );
  }

  // ---- left panel: search, filters, connectors, what-if, exports
  const searchInput = h("input", { type: "search", id: "search", placeholder: t("cluster.search_hint") });
  const searchInfo = h("span", { class: "muted", id: "search-info" });
  searchInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      doSearch(searchInput.value, true);
    }
  });
  searchInput.addEventListener("input", () => doSearch(searchInput.value, false));

  function nodeText(id, attrs) {
    const d = attrs.data;
    const parts = [id, d.label, d.region || ""];
    for (const v of Object.values(d.properties || {})) if (typeof v === "string" || typeof v === "number") parts.push(String(v));
    return parts.join(" ").toLowerCase();
  }

  function doSearch(query, select) {
    const q = query.trim().toLowerCase();
    view.matches.clear();
    if (q) graph.forEachNode((id, attrs) => {
      if (!view.hiddenNodes.has(id) && nodeText(id, attrs).includes(q)) view.matches.add(id);
    });
    search = { query: q, matches: view.matches.size };
    searchInfo.textContent = q ? t("cluster.matches", { n: view.matches.size }) : "";
    if (select && view.matches.size) {
      const first = [...view.matches][0];
      selectNode(first, false);
      const pos = renderer.getNodeDisplayData(first);
      if (pos) renderer.getCamera().animate({ x: pos.x, y: pos.y }, { duration: 300 });
    }
    renderer.refresh();
    publish();
  }

  function checkboxGroup(name, present, chosen, labelOf, decorate = () => null) {
    const box = h("fieldset", { class: "checks", id: `filter-${name}` }, h("legend", {}, t(`cluster.filter.${name}`)));
    for (const value of [...present].sort()) {
      const input = h("input", { type: "checkbox", checked: chosen.has(value), dataset: { filter: name, value } });
      input.addEventListener("change", () => {
        if (input.checked) chosen.add(value);
        else chosen.delete(value);
        applyFilters();
      });
      box.appendChild(h("label", {}, input, decorate(value), labelOf(value)));
    }
    return box;
  }

  const filterBox = h("div", { class: "filter-box" });
  function drawFilters() {
    clear(filterBox);
    filterBox.append(
      checkboxGroup("partners", partnersPresent, filters.partners, (p) => p, (p) => swatch(partnerColour(p))),
      checkboxGroup("types", typesPresent, filters.types, (x) => x),
      checkboxGroup("bases", basesPresent, filters.bases, (x) => x),
    );
    const connectors = h("fieldset", { class: "checks", id: "connectors" }, h("legend", {}, t("cluster.connectors")));
    for (const kind of CONNECTOR_KINDS) {
      const count = graph.filterNodes((id, a) => !a.member && a.kind === kind).length;
      const input = h("input", { type: "checkbox", checked: filters.connectors.has(kind), dataset: { connector: kind } });
      input.addEventListener("change", () => {
        if (input.checked) filters.connectors.add(kind);
        else filters.connectors.delete(kind);
        applyFilters();
      });
      connectors.appendChild(h("label", {}, input, t(`kind.${kind}`), " ", h("span", { class: "count-badge", dataset: { count: kind } }, String(count))));
    }
    filterBox.appendChild(connectors);
  }

  const whatIfBox = h("div", { class: "whatif", id: "whatif" });
  const topN = h("input", { type: "number", id: "whatif-n", min: "1", max: "50", value: "3" });
  const whatIfResult = h("div", { id: "whatif-result" });
  whatIfBox.append(
    h("h3", {}, t("whatif.title")),
    h("button", { type: "button", id: "whatif-selected", onclick: () => runWhatIf("selected", 0, true) }, t("whatif.remove_selected")),
    h("label", {}, t("whatif.top"), topN),
    h("button", { type: "button", id: "whatif-top", onclick: () => runWhatIf("top", Number(topN.value) || 1, true) }, t("whatif.remove_top")),
    h("button", { type: "button", id: "whatif-reset", onclick: () => { whatIf = null; view.removed.clear(); clear(whatIfResult); renderer.refresh(); publish(); } }, t("whatif.reset")),
    whatIfResult,
  );
  // Suggested hidden links of a flagged cluster (decision 084): suggestions, never facts;
  // choosing one selects its two ends.
  const suggested = (data.suggested_links || []).filter((s) => graph.hasNode(s.a) && graph.hasNode(s.b));
  if (suggested.length) {
    whatIfBox.append(
      h("h3", {}, t("whatif.suggested")),
      h("p", { class: "muted" }, t("whatif.suggested_note")),
      h(
        "ul",
        { id: "suggested-links" },
        ...suggested.map((s) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "link",
                onclick: () => {
                  selectNode(s.a, false);
                  selectNode(s.b, true);
                },
              },
              t(`whatif.suggested_${s.where}`, { a: s.a, b: s.b, score: s.score.toFixed(2), common: s.common_neighbours }),
            ),
          ),
        ),
      ),
    );
  }

  function brokersByRank() {
    return graph
      .filterNodes((id, a) => a.member && a.rank)
      .sort((a, b) => graph.getNodeAttribute(a, "rank") - graph.getNodeAttribute(b, "rank"));
  }

  function largestOf(removed) {
    const copy = newGraph();
    for (const id of shownNodes()) if (!removed.has(id)) copy.addNode(id);
    for (const id of shownLinks()) {
      const [a, b] = graph.extremities(id);
      if (copy.hasNode(a) && copy.hasNode(b)) copy.addEdgeWithKey(id, a, b);
    }
    const parts = connectedComponents(copy);
    return { components: parts.length, largest: parts.reduce((m, c) => Math.max(m, c.length), 0) };
  }

  function runWhatIf(mode, n, show) {
    const began = performance.now();
    const removed = new Set(mode === "selected" ? [...view.selected] : brokersByRank().slice(0, n));
    const before = largestOf(new Set());
    const after = largestOf(removed);
    view.removed = removed;
    whatIf = { mode, n, removed: [...removed], before, ...after };
    clear(whatIfResult);
    whatIfResult.append(
      h("p", {}, t("whatif.removed", { n: removed.size })),
      h("p", { id: "whatif-largest" }, t("whatif.result", { components: after.components, largest: after.largest, before: before.largest })),
    );
    whatIfMs = Math.round(performance.now() - began);
    if (show) {
      renderer.refresh();
      publish();
    }
  }

  const exportBox = h("div", { class: "exports", id: "exports" });
  const exportInfo = h("div", { class: "muted", id: "export-info" });
  exportBox.append(
    h("h3", {}, t("export.title")),
    ...["graphml", "csv", "png"].map((format) =>
      h("button", { type: "button", dataset: { export: format }, onclick: () => exportAs(format) }, t(`export.${format}`)),
    ),
    exportInfo,
  );

  async function exportAs(format) {
    update({ busy: true });
    const nodes = shownNodes();
    const body = {
      format,
      expanded: [...expanded.keys()],
      nodes,
      links: shownLinks(),
      png: null,
    };
    if (format === "png") {
      const lines = [
        `${t("shell.run")} ${ui.context.run_id || "–"}`,
        `${t("shell.date")} ${formatDate(ui.context.as_of)}`,
        `${t("shell.case")} ${caseRef} · ${clusterId}`,
      ];
      body.png = snapshotPng(renderer, lines).split(",")[1];
    }
    try {
      const answer = await request(`/clusters/${encodeURIComponent(clusterId)}/exports`, {
        method: "POST",
        body,
        caseRef,
        as: "response",
      });
      const { filename, bytes } = await download(answer, `${clusterId}.${format === "csv" ? "zip" : format}`);
      lastExport = { format, filename, bytes, nodes: nodes.length, status: answer.status };
      exportInfo.textContent = t("export.done", { name: filename });
    } catch (err) {
      lastExport = { format, status: err.status || 0 };
      exportInfo.textContent = problemText(err);
    }
    publish();
  }

  drawFilters();
  left.append(h("h3", {}, t("cluster.search")), searchInput, searchInfo, filterBox, whatIfBox, exportBox);

  // ---- right panel: selection, key players, map, history
  const selection = h("div", { class: "selection", id: "selection" });
  const mapBox = h("div", { class: "map-box", id: "map" });
  right.append(
    h("h3", {}, t("cluster.selected")),
    selection,
    h("h3", {}, t("cluster.map")),
    mapBox,
    h("p", { class: "muted small" }, t("map.source")),
    h("h3", {}, t("cluster.key_players")),
    keyPlayers(detail, (id) => selectNode(id, false)),
    h("h3", {}, t("cluster.history")),
    history(detail),
  );

  function selectNode(id, toggle) {
    if (!graph.hasNode(id)) return;
    if (toggle && view.selected.has(id)) view.selected.delete(id);
    else {
      if (!toggle) view.selected.clear();
      view.selected.add(id);
    }
    drawSelection();
    renderer.refresh();
    publish();
  }

  function drawSelection() {
    clear(selection);
    if (!view.selected.size) {
      selection.appendChild(h("p", { class: "muted" }, t("cluster.select_hint")));
      return;
    }
    for (const id of view.selected) {
      const attrs = graph.getNodeAttributes(id);
      const d = attrs.data;
      const counts = {};
      graph.forEachNeighbor(id, (other, a) => {
        if (CONNECTOR_KINDS.includes(a.kind)) counts[a.kind] = (counts[a.kind] || 0) + 1;
      });
      const info = expanded.get(id);
      selection.appendChild(
        h(
          "div",
          { class: "node-card", dataset: { node: id } },
          h("div", { class: "mono" }, id),
          h("div", {}, t(`kind.${d.label}`), d.region ? ` · ${d.region}` : "", attrs.rank ? ` · #${attrs.rank}` : ""),
          h("div", { class: "muted" }, t("cluster.partners"), " ", (d.provenance?.partners || []).join(", ") || "–"),
          h("div", { class: "muted" }, ...Object.entries(counts).map(([k, n]) => `${t(`kind.${k}`)} ${n}  `)),
          expandControls(id, info),
          info
            ? h(
                "p",
                { class: "expand-info", dataset: { expanded: id } },
                t("cluster.expanded", { n: info.neighbours, total: info.total }),
                info.more ? ` ${t("cluster.and_more", { n: info.more })}` : "",
                outsideNote(info.outside),
              )
            : null,
        ),
      );
    }
  }

  function expandControls(id, info) {
    const limit = h("input", {
      type: "number",
      min: "1",
      max: String(EXPAND_MAX),
      value: String(info ? Math.min(EXPAND_MAX, info.limit + EXPAND_STEP) : EXPAND_STEP),
      class: "limit",
      dataset: { limit: id },
      "aria-label": t("cluster.expand_limit"),
    });
    const go = () => expand(id, Math.max(1, Math.min(EXPAND_MAX, Number(limit.value) || EXPAND_STEP)));
    return h(
      "div",
      { class: "expand" },
      h("button", { type: "button", class: "primary", dataset: { expand: id }, onclick: go }, info ? t("cluster.expand_more") : t("cluster.expand")),
      h("label", { class: "small" }, t("cluster.expand_limit"), " ", limit),
    );
  }

  async function expand(id, limit) {
    update({ busy: true });
    try {
      const got = await request(`/clusters/${encodeURIComponent(clusterId)}/expand`, {
        query: { node: id, limit },
        caseRef,
      });
      const added = addToGraph(graph, got.nodes, got.links, { near: id });
      for (const n of got.nodes) revealed.add(n.id);
      const before = expanded.get(id);
      expanded.set(id, {
        limit,
        total: got.total,
        more: got.more,
        added: (before?.added || 0) + added.length,
        neighbours: got.nodes.filter((n) => n.id !== id).length,
        outside: got.outside || {},
      });
      const partnersBefore = partnersPresent.size + typesPresent.size + basesPresent.size;
      collectFacets();
      if (partnersPresent.size + typesPresent.size + basesPresent.size !== partnersBefore) {
        partnersPresent.forEach((p) => filters.partners.add(p));
        typesPresent.forEach((p) => filters.types.add(p));
        basesPresent.forEach((p) => filters.bases.add(p));
        drawFilters();
      }
      drawSelection();
      drawTimeline();
      applyFilters();
    } catch (err) {
      selection.appendChild(h("p", { class: "error" }, problemText(err)));
      update({ busy: false, lastError: err.status || 0 });
    }
  }

  function drawMap() {
    const counts = {};
    const crossing = new Map();
    graph.forEachNode((id, a) => {
      if (a.member && a.region && !view.hiddenNodes.has(id)) counts[a.region] = (counts[a.region] || 0) + 1;
    });
    graph.forEachEdge((id, attrs, s, tgt) => {
      if (view.hiddenLinks.has(id)) return;
      const a = graph.getNodeAttribute(s, "region");
      const b = graph.getNodeAttribute(tgt, "region");
      if (a && b && a !== b) {
        const key = [a, b].sort().join("|");
        crossing.set(key, (crossing.get(key) || 0) + 1);
      }
    });
    const highlighted = new Set(detail.regions || []);
    renderMap(mapBox, shapes, {
      highlighted,
      counts,
      crossing: [...crossing].map(([key, n]) => ({ a: key.split("|")[0], b: key.split("|")[1], n })),
    });
  }

  function drawTimeline() {
    const facts = [];
    graph.forEachEdge((id, attrs, s, tgt) => {
      if (!linkPasses(id, attrs, false)) return;
      const d = linkDates(id, attrs);
      if (d) facts.push(d);
    });
    renderTimeline(timeline, facts, filters, (from, to) => {
      filters.from = from;
      filters.to = to;
      drawTimeline();
      applyFilters();
    });
  }

  renderer.on("clickNode", ({ node, event }) => selectNode(node, Boolean(event?.original?.shiftKey || event?.original?.ctrlKey)));

  function publish() {
    const nodes = graph.order - view.hiddenNodes.size;
    ready({
      cluster: clusterId,
      caseReference: caseRef,
      nodes,
      links: graph.size - view.hiddenLinks.size,
      totalNodes: graph.order,
      totalLinks: graph.size,
      members: graph.filterNodes((id, a) => a.member).length,
      filters: {
        partners: [...filters.partners].sort(),
        types: [...filters.types].sort(),
        bases: [...filters.bases].sort(),
        from: filters.from,
        to: filters.to,
        connectors: [...filters.connectors].sort(),
      },
      mapHighlighted: [...(detail.regions || [])].sort(),
      expanded: Object.fromEntries(expanded),
      selected: [...view.selected],
      search,
      whatIf,
      suggested: suggested.length,
      lastExport,
      layout: laidOut ? "browser" : "server",
      timing: { fetchMs: Math.round(fetched - started), drawMs: drawMs ?? Math.round(performance.now() - fetched), filterMs, whatIfMs },
      busy: false,
    });
  }

  ui.read = {
    shownNodes,
    shownLinks,
    link: (id) => graph.getEdgeAttribute(id, "data"),
    node: (id) => graph.getNodeAttribute(id, "data"),
    ends: (id) => graph.extremities(id),
  };
  drawSelection();
  drawTimeline();
  applyFilters();
  drawMs = Math.round(performance.now() - fetched); // the first view, from answers to ready
  publish();
}

function outsideNote(outside) {
  const entries = Object.entries(outside || {});
  if (!entries.length) return null;
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return h("span", { class: "tag muted", title: entries.map(([r, n]) => `${r}: ${n}`).join(", ") }, t("cluster.outside", { n: total }));
}

function keyPlayers(detail, onSelect) {
  const list = h("ol", { class: "key-players", id: "key-players" });
  for (const p of detail.key_players || []) {
    const interval = Array.isArray(p.rank_interval) ? t("cluster.rank_interval", { low: p.rank_interval[0], high: p.rank_interval[1] }) : "";
    list.appendChild(
      h(
        "li",
        { dataset: { node: p.id } },
        h("button", { type: "button", class: "link", onclick: () => onSelect(p.id) }, `#${p.rank} ${p.id}`),
        " ",
        h("span", { class: "muted" }, [p.scarce_role, p.region, interval].filter(Boolean).join(" · ")),
      ),
    );
  }
  if (!list.children.length) list.appendChild(h("li", { class: "muted" }, t("cluster.no_key_players")));
  return list;
}

function history(detail) {
  const list = h("ul", { class: "history", id: "history" });
  for (const e of detail.history || []) {
    const details = Object.entries(e.details || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
    list.appendChild(h("li", {}, h("span", { class: "mono" }, formatTime(e.at)), " ", h("strong", {}, labelOr(`event.kind.${e.kind}`, e.kind)), " ", h("span", { class: "muted" }, details)));
  }
  if (!list.children.length) list.appendChild(h("li", { class: "muted" }, t("cluster.no_history")));
  return list;
}

// Without a case: person-level reads need one; offer the organisation's open cases.
async function chooseCase(ctx, clusterId) {
  const { main } = ctx;
  const page = await request("/cases", { query: { limit: 100 } });
  if (!ctx.current()) return;
  const input = h("input", { name: "case", id: "case-input", required: true });
  const list = h("ul", { class: "case-list" });
  for (const c of page.items || []) {
    if (c.status === "closed" || c.status === "declined") continue;  // an open case only
    list.appendChild(h("li", {}, h("a", { href: `#/cluster/${encodeURIComponent(clusterId)}?case=${encodeURIComponent(c.reference)}` }, c.reference), " ", c.title));
  }
  main.append(
    h("h1", {}, t("cluster.title", { id: clusterId })),
    h("p", {}, t("cluster.needs_case")),
    list,
    h(
      "form",
      { class: "inline-form", onsubmit: (e) => { e.preventDefault(); ctx.go(`#/cluster/${encodeURIComponent(clusterId)}?case=${encodeURIComponent(input.value.trim())}`); } },
      h("label", {}, t("shell.case"), input),
      h("button", { type: "submit", class: "primary" }, t("cluster.open")),
    ),
  );
  ready({ cluster: clusterId, needsCase: true, cases: list.children.length });
}
