// Fixed colours per region and per partner: one table, graph/viz/style.py (the network pages'),
// served by the API as /ui/vocabulary.json with the codes the filters and forms offer.

let table = {
  region_colours: {},
  unknown_region_colour: "#c8c8c8",
  partner_colours: {},
  multi_partner_colour: "#222222",
  regions: [],
  partners: {},
  legal_bases: [],
  typologies: [],
  phenomena: [],
};

export async function loadVocabulary() {
  const answer = await fetch("/ui/vocabulary.json", { credentials: "same-origin" });
  table = await answer.json();
}

export function vocabulary() {
  return table;
}

export function regionColour(region) {
  return table.region_colours[region] || table.unknown_region_colour;
}

export function partnerColour(partner) {
  return table.partner_colours[partner] || table.multi_partner_colour;
}

// A link reported by one partner takes its colour; by several, the shared dark colour.
export function linkColour(partners) {
  if (!partners || partners.length !== 1) return table.multi_partner_colour;
  return partnerColour(partners[0]);
}

// Nodes that are not members take the colour of their kind (Person, Company, Address, ...).
export function kindColour(kind) {
  return table.kind_colours?.[kind] || table.unknown_kind_colour || "#d3d3d3";
}
