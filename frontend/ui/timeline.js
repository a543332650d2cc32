// The timeline: the facts (links) by month as an SVG bar chart; dragging across it (or the two
// date fields) selects a range, which the workspace applies as a filter on the network.

import { clear, h, s } from "./dom.js";
import { t } from "./i18n.js";

const DAY = 86400000;

function monthStart(ms) {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonth(ms) {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function toDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

// facts: [{start, end}] in ms since the epoch; onRange(from, to) with "YYYY-MM-DD" or null.
export function renderTimeline(container, facts, range, onRange) {
  clear(container);
  const fromInput = h("input", { type: "date", id: "timeline-from", value: range.from || "" });
  const toInput = h("input", { type: "date", id: "timeline-to", value: range.to || "" });
  const apply = () => onRange(fromInput.value || null, toInput.value || null);
  fromInput.addEventListener("change", apply);
  toInput.addEventListener("change", apply);
  const clearButton = h(
    "button",
    { type: "button", id: "timeline-clear", onclick: () => onRange(null, null) },
    t("timeline.clear"),
  );
  container.appendChild(
    h(
      "div",
      { class: "timeline-controls" },
      h("strong", {}, t("timeline.title")),
      h("label", {}, t("timeline.from"), fromInput),
      h("label", {}, t("timeline.to"), toInput),
      clearButton,
      h("span", { class: "muted" }, t("timeline.facts", { n: facts.length })),
    ),
  );
  if (!facts.length) {
    container.appendChild(h("p", { class: "muted" }, t("timeline.none")));
    return;
  }
  const min = monthStart(Math.min(...facts.map((f) => f.start)));
  const max = nextMonth(Math.max(...facts.map((f) => f.end)));
  const bins = [];
  for (let m = min; m < max; m = nextMonth(m)) bins.push({ start: m, end: nextMonth(m), n: 0 });
  for (const f of facts) {
    for (const bin of bins) if (f.start < bin.end && f.end >= bin.start) bin.n += 1;
  }
  const width = 800;
  const height = 90;
  const pad = 18;
  const top = Math.max(...bins.map((b) => b.n), 1);
  const x = (ms) => pad + ((ms - min) / (max - min)) * (width - 2 * pad);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline", id: "timeline-chart" });
  const from = range.from ? Date.parse(range.from) : null;
  const to = range.to ? Date.parse(range.to) + DAY - 1 : null;
  for (const bin of bins) {
    const barHeight = ((height - 2 * pad) * bin.n) / top;
    const inside = (from === null || bin.end > from) && (to === null || bin.start <= to);
    svg.appendChild(
      s("rect", {
        x: x(bin.start) + 0.5,
        y: height - pad - barHeight,
        width: Math.max(1, x(bin.end) - x(bin.start) - 1),
        height: barHeight,
        class: inside ? "bar" : "bar outside",
      }),
    );
  }
  const years = new Set();
  for (const bin of bins) {
    const year = new Date(bin.start).getUTCFullYear();
    if (!years.has(year) && new Date(bin.start).getUTCMonth() === 0 || bin === bins[0]) {
      years.add(year);
      svg.appendChild(s("text", { x: x(bin.start), y: height - 4, class: "axis" }, toDay(bin.start).slice(0, 7)));
    }
  }
  if (from !== null || to !== null) {
    const a = x(from ?? min);
    const b = x(to ?? max);
    svg.appendChild(s("rect", { x: a, y: pad / 2, width: Math.max(1, b - a), height: height - 1.5 * pad, class: "brush" }));
  }
  // Drag to select: from the pointer's first to its last position.
  let dragStart = null;
  const at = (event) => {
    const box = svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * width;
    return Math.min(max, Math.max(min, min + ((px - pad) / (width - 2 * pad)) * (max - min)));
  };
  svg.addEventListener("pointerdown", (e) => {
    dragStart = at(e);
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointerup", (e) => {
    if (dragStart === null) return;
    const end = at(e);
    const [a, b] = dragStart < end ? [dragStart, end] : [end, dragStart];
    dragStart = null;
    if (b - a < DAY) return;
    onRange(toDay(a), toDay(b));
  });
  container.appendChild(svg);
}
