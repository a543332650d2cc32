// The subject / company check: a token's or KvK number's neighbourhood within a case, and the
// paths to flagged clusters, each step with its link kind and the partners it comes from.

import { request } from "../api.js";
import { partnerColour } from "../colours.js";
import { clear, h, swatch } from "../dom.js";
import { t } from "../i18n.js";
import { addToGraph, layoutIfNeeded, mountSigma, newGraph } from "../graphview.js";
import { ready } from "../state.js";

export async function renderCheck(ctx) {
  const { main, route } = ctx;
  const q = route.query;
  const kind = q.kvk ? "kvk" : "token";
  const value = q.kvk || q.token || "";
  const caseRef = q.case || "";
  const valueInput = h("input", { name: "value", id: "check-value", value, required: true });
  const kindSelect = h("select", { name: "kind", id: "check-kind" }, h("option", { value: "token", selected: kind === "token" }, t("check.token")), h("option", { value: "kvk", selected: kind === "kvk" }, t("check.kvk")));
  const caseInput = h("input", { name: "case", id: "check-case", value: caseRef, required: true });
  const depth = h("select", { name: "depth", id: "check-depth" }, ...[1, 2, 3].map((d) => h("option", { value: String(d), selected: String(d) === (q.depth || "2") }, String(d))));
  const form = h(
    "form",
    {
      class: "filters",
      id: "check-form",
      onsubmit: (e) => {
        e.preventDefault();
        const params = new URLSearchParams({ [kindSelect.value]: valueInput.value.trim(), case: caseInput.value.trim(), depth: depth.value });
        ctx.go(`#/check?${params}`);
      },
    },
    h("label", {}, t("check.kind"), kindSelect),
    h("label", {}, t("check.value"), valueInput),
    h("label", {}, t("shell.case"), caseInput),
    h("label", {}, t("check.depth"), depth),
    h("button", { type: "submit", class: "primary" }, t("check.run")),
  );
  main.append(h("h1", {}, t("check.title")), form);
  if (!value || !caseRef) {
    ready({ asked: false });
    return;
  }
  const path = kind === "kvk" ? `/companies/${encodeURIComponent(value)}/network` : `/subjects/${encodeURIComponent(value)}/network`;
  const net = await request(path, { query: { depth: q.depth || 2 }, caseRef });
  if (!ctx.current()) return;
  ctx.setContext({ case: caseRef });
  const graph = newGraph();
  const others = net.nodes.filter((n) => n.id !== net.subject.id);
  addToGraph(graph, [{ ...net.subject, member: true }, ...others], net.links, {
    nodeAttrs: (n) => (n.id === net.subject.id ? { size: 12, label: n.id, forceLabel: true } : n.member ? { size: 8 } : {}),
  });
  layoutIfNeeded(graph);
  const canvas = h("div", { class: "graph small", id: "graph" });
  const paths = h("ol", { class: "paths", id: "flagged-paths" });
  for (const p of net.flagged_paths || []) {
    const steps = h("ol", { class: "steps" });
    for (const step of p.steps) {
      steps.appendChild(h("li", { dataset: { step: `${step.source}>${step.target}` } },
        h("span", { class: "mono" }, step.source), " → ", h("span", { class: "mono" }, step.target), " ",
        h("strong", {}, step.type), step.kind ? ` (${step.kind})` : "", " ",
        ...step.partners.map((x) => h("span", { class: "tag" }, swatch(partnerColour(x)), x))));
    }
    paths.appendChild(h("li", {}, h("a", { href: `#/cluster/${encodeURIComponent(p.cluster.id)}?case=${encodeURIComponent(caseRef)}` }, p.cluster.id), " ", t("check.hops", { n: p.hops }), steps));
  }
  if (!paths.children.length) paths.appendChild(h("li", { class: "muted" }, t("check.no_paths")));
  const hubs = net.hubs_not_expanded?.length ? h("p", { class: "muted" }, t("check.hubs", { n: net.hubs_not_expanded.length })) : null;
  main.append(h("div", { class: "columns" }, h("section", {}, canvas), h("section", {}, h("h3", {}, t("check.paths")), paths, hubs)));
  mountSigma(canvas, graph, { hiddenNodes: new Set(), hiddenLinks: new Set(), selected: new Set([net.subject.id]), matches: new Set(), removed: new Set() });
  ready({ subject: net.subject.id, nodes: graph.order, links: graph.size, paths: (net.flagged_paths || []).length, depth: net.depth });
}
