// The case workspace: GET /cases/{ref} (what the case holds, its events and notes), its
// interventions, a note added, the advice document linked, its clusters opened within it.

import { download, request } from "../api.js";
import { clear, h } from "../dom.js";
import { formatDate, formatTime, labelOr, problemText, t } from "../i18n.js";
import { ready } from "../state.js";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

export async function renderCase(ctx) {
  const { main, route } = ctx;
  const ref = route.id;
  const path = `/cases/${encodeURIComponent(ref)}`;
  const [detail, interventions] = await Promise.all([
    request(path, { caseRef: ref }),
    request(`${path}/interventions`, { caseRef: ref }),
  ]);
  if (!ctx.current()) return;
  ctx.setContext({ case: ref });
  const notes = h("ul", { class: "notes", id: "notes" });
  const drawNotes = (items) => {
    clear(notes);
    for (const n of items) notes.appendChild(h("li", {}, h("span", { class: "mono" }, formatTime(n.at)), " ", h("strong", {}, n.by_org), " ", n.text));
    if (!items.length) notes.appendChild(h("li", { class: "muted" }, t("case.no_notes")));
  };
  drawNotes(detail.notes || []);
  const text = h("textarea", { name: "text", id: "note-text", required: true, maxlength: "4000", rows: "3" });
  const error = h("span", { class: "error" });
  const noteForm = h(
    "form",
    {
      class: "inline-form",
      id: "note-form",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const changed = await request(`${path}/notes`, { method: "POST", body: { text: text.value }, caseRef: ref });
          text.value = "";
          error.textContent = "";
          drawNotes(changed.notes || []);
          publish(changed);
        } catch (err) {
          error.textContent = problemText(err);
        }
      },
    },
    h("label", { class: "wide" }, t("case.note"), text),
    h("button", { type: "submit", class: "primary" }, t("case.add_note")),
    error,
  );
  const facts = h(
    "dl",
    { class: "facts" },
    ...[
      ["case.status", t(`case.state.${detail.status}`)],
      ["case.phenomenon", t(`phenomenon.${detail.phenomenon}`)],
      ["case.legal_basis", detail.legal_basis],
      ["case.lead", detail.lead],
      ["case.participants", (detail.participants || []).join(", ") || "–"],
      ["case.partners", (detail.partners || []).join(", ") || "–"],
      ["case.opened", formatDate(detail.opened_at)],
      ["case.purpose", detail.purpose || "–"],
    ].flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]),
  );
  const clusters = h("ul", { id: "case-clusters" }, ...(detail.cluster_ids || []).map((id) => h("li", {}, h("a", { href: `#/cluster/${encodeURIComponent(id)}?case=${encodeURIComponent(ref)}` }, id))));
  const subjects = h("ul", { id: "case-subjects" }, ...(detail.subject_ids || []).map((s) => h("li", {}, h("a", { href: `#/check?${s.kind === "company" ? "kvk" : "token"}=${encodeURIComponent(s.id)}&case=${encodeURIComponent(ref)}` }, s.id), " ", h("span", { class: "muted" }, s.kind))));
  const measures = h("table", { class: "grid", id: "interventions" },
    h("thead", {}, h("tr", {}, ...["case.i.partner", "case.i.kind", "case.i.measure", "case.i.date", "case.i.status", "case.i.outcome"].map((k) => h("th", {}, t(k))))),
    h("tbody", {}, ...(interventions.items || []).map((i) => h("tr", {}, h("td", {}, i.partner), h("td", {}, i.kind), h("td", {}, i.measure), h("td", {}, formatDate(i.date)), h("td", {}, i.status), h("td", {}, i.outcome || "–")))),
  );
  const events = h("ul", { class: "history", id: "case-events" }, ...(detail.events || []).map((e) => h("li", {}, h("span", { class: "mono" }, formatTime(e.at)), " ", h("strong", {}, labelOr(`case.event.${e.kind}`, e.kind)), " ", h("span", { class: "muted" }, `${e.by_org} (${t(`role.${e.by_role}`)})`))));
  main.append(
    h("h1", {}, `${detail.reference} · ${detail.title}`),
    h("div", { class: "columns" },
      h("section", {}, facts, h("p", {},
        h("a", { href: `${path}/advice`, id: "advice-link", target: "_blank", rel: "noopener" }, t("case.advice")), " · ",
        h("button", { type: "button", id: "advice-docx", onclick: async (e) => {
          try {
            const answer = await request(`${path}/advice`, { as: "response", accept: DOCX });
            await download(answer, `${ref}-advies.docx`);
          } catch (err) {
            e.target.after(h("span", { class: "error" }, problemText(err)));
          }
        } }, t("case.advice_docx")))),
      h("section", {}, h("h3", {}, t("case.clusters")), clusters, h("h3", {}, t("case.subjects")), subjects),
    ),
    h("h3", {}, t("case.interventions")), measures,
    h("h3", {}, t("case.notes")), notes, noteForm,
    h("h3", {}, t("case.events")), events,
  );
  function publish(d) {
    ready({ reference: ref, status: d.status, notes: (d.notes || []).length, interventions: (interventions.items || []).length, clusters: d.cluster_ids || [] });
  }
  publish(detail);
}
