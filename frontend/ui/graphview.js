// The network on a sigma.js (WebGL) canvas over a graphology graph.
//
// Positions: the server's first-view layout (x, y per node, the same as `knooppunt view`);
// only when a node has none does the page place it (a circle, then a few ForceAtlas2 steps),
// so that a graph from an API without positions still opens.

import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import { kindColour, linkColour, regionColour } from "./colours.js";

export function newGraph() {
  return new Graph({ multi: true, type: "mixed", allowSelfLoops: true });
}

export function hasPosition(node) {
  return Number.isFinite(node.x) && Number.isFinite(node.y);
}

// Adds the API's GraphNode/GraphLink objects; returns the ids added. `near`: an existing node
// that new nodes without a position are put around (an expansion).
export function addToGraph(graph, nodes, links, { near = null, nodeAttrs = () => ({}) } = {}) {
  const added = [];
  const centre = near && graph.hasNode(near) ? graph.getNodeAttributes(near) : { x: 0, y: 0 };
  const fresh = nodes.filter((n) => !graph.hasNode(n.id));
  // New neighbours go on a small circle around the node, sized to the graph's extent (the
  // server's coordinates have no fixed scale).
  const step = near ? extent(graph) * (0.04 + 0.006 * Math.sqrt(fresh.length)) : 1;
  fresh.forEach((node, i) => {
    // The server's layout is in page pixels with y down; sigma's y points up.
    let x = node.x;
    let y = hasPosition(node) ? -node.y : node.y;
    if (!hasPosition(node)) {
      const angle = (2 * Math.PI * i) / Math.max(1, fresh.length);
      const radius = step;
      x = centre.x + radius * Math.cos(angle);
      y = centre.y + radius * Math.sin(angle);
    }
    graph.addNode(node.id, {
      x,
      y,
      placed: hasPosition(node),
      data: node,
      kind: node.label,
      region: node.region,
      member: Boolean(node.member),
      label: node.id,
      size: 4,
      color: node.member ? regionColour(node.region) : kindColour(node.label),
      ...nodeAttrs(node),
    });
    added.push(node.id);
  });
  for (const link of links) {
    if (graph.hasEdge(link.id)) continue;
    if (!graph.hasNode(link.source) || !graph.hasNode(link.target)) continue;
    graph.addEdgeWithKey(link.id, link.source, link.target, {
      data: link,
      type: "line",
      size: 1,
      color: linkColour(link.provenance?.partners || []),
    });
  }
  return added;
}

function extent(graph) {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  graph.forEachNode((id, a) => {
    minX = Math.min(minX, a.x);
    maxX = Math.max(maxX, a.x);
    minY = Math.min(minY, a.y);
    maxY = Math.max(maxY, a.y);
  });
  const size = Math.max(maxX - minX, maxY - minY);
  return Number.isFinite(size) && size > 0 ? size : 1;
}

// A quick layout for a graph whose nodes came without server positions.
export function layoutIfNeeded(graph) {
  let unplaced = 0;
  graph.forEachNode((id, attrs) => {
    if (!attrs.placed) unplaced += 1;
  });
  if (!unplaced) return false;
  const n = graph.order;
  let i = 0;
  graph.forEachNode((id, attrs) => {
    if (attrs.placed) return;
    const angle = (2 * Math.PI * i) / n;
    graph.mergeNodeAttributes(id, { x: Math.cos(angle) * 100, y: Math.sin(angle) * 100 });
    i += 1;
  });
  if (n > 1) {
    forceAtlas2.assign(graph, {
      iterations: n > 1000 ? 30 : 100,
      settings: { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: n > 500 },
    });
  }
  return true;
}

// The renderer with reducers that read `view` (hidden nodes/links, highlighted, selected).
export function mountSigma(container, graph, view) {
  const renderer = new Sigma(graph, container, {
    renderEdgeLabels: false,
    labelRenderedSizeThreshold: 9,
    defaultEdgeType: "line",
    zIndex: true,
    nodeReducer: (id, attrs) => {
      if (view.hiddenNodes.has(id)) return { ...attrs, hidden: true };
      const out = { ...attrs };
      if (view.selected.has(id)) {
        out.highlighted = true;
        out.zIndex = 2;
      }
      if (view.matches.has(id)) {
        out.highlighted = true;
        out.forceLabel = true;
      }
      if (view.removed.has(id)) out.color = "#dddddd";
      if (attrs.member) out.forceLabel = out.forceLabel || attrs.rank !== null;
      return out;
    },
    edgeReducer: (id, attrs) => {
      if (view.hiddenLinks.has(id)) return { ...attrs, hidden: true };
      return attrs;
    },
  });
  return renderer;
}

// A PNG of what the canvas shows, with lines of text (run, date, case) drawn on it.
export function snapshotPng(renderer, lines) {
  renderer.refresh();
  const { width, height } = renderer.getDimensions();
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const layer of Object.values(renderer.getCanvases())) {
    ctx.drawImage(layer, 0, 0, canvas.width, canvas.height);
  }
  ctx.fillStyle = "#111111";
  ctx.font = `${Math.round(13 * ratio)}px sans-serif`;
  lines.forEach((line, i) => ctx.fillText(line, 10 * ratio, (20 + 17 * i) * ratio));
  return canvas.toDataURL("image/png");
}
