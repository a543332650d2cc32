// The ten RIEC regions as an SVG map (TopoJSON from the API, drawn with d3-geo; no tile
// server): members per region, the links that cross regions, the cluster's regions highlighted.

import { geoCentroid, geoMercator, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import { regionColour } from "./colours.js";
import { clear, s } from "./dom.js";

let regions = null;

export async function loadRegions() {
  if (!regions) {
    const answer = await fetch("/ui/geo/regions.json", { credentials: "same-origin" });
    const topology = await answer.json();
    const name = Object.keys(topology.objects)[0];
    regions = feature(topology, topology.objects[name]);
  }
  return regions;
}

// highlighted: Set of region names; counts: {region: members}; crossing: [{a, b, n}].
export function renderMap(container, shapes, { highlighted, counts, crossing }) {
  clear(container);
  const width = 300;
  const height = 340;
  const projection = geoMercator().fitSize([width, height], shapes);
  const path = geoPath(projection);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "map", id: "region-map" });
  const centres = {};
  for (const f of shapes.features) {
    const region = f.properties.region;
    const on = highlighted.has(region);
    const title = s("title", {}, `${region}: ${counts[region] || 0}`);
    svg.appendChild(
      s(
        "path",
        {
          d: path(f),
          class: on ? "region highlighted" : "region",
          fill: on ? regionColour(region) : "#eeeeee",
          "data-region": region,
          "data-highlighted": on ? "true" : "false",
        },
        title,
      ),
    );
    centres[region] = projection(geoCentroid(f));
  }
  for (const { a, b, n } of crossing) {
    if (!centres[a] || !centres[b]) continue;
    const [x1, y1] = centres[a];
    const [x2, y2] = centres[b];
    svg.appendChild(
      s("line", {
        x1, y1, x2, y2,
        class: "crossing",
        "stroke-width": Math.min(8, 1 + Math.log2(n)),
        "data-regions": `${a}|${b}`,
      }, s("title", {}, `${a} – ${b}: ${n}`)),
    );
  }
  for (const [region, [x, y]] of Object.entries(centres)) {
    if (!counts[region]) continue;
    const r = 6 + 3 * String(counts[region]).length;
    svg.appendChild(s("circle", { cx: x, cy: y, r, class: "count-dot", "data-count": region }));
    svg.appendChild(s("text", { x, y: y + 4, class: "count" }, String(counts[region])));
  }
  container.appendChild(svg);
}
