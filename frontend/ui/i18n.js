// Every label comes from the one catalogue api/ui/messages.yaml, served as /ui/messages.json:
// Dutch by default, English selectable; the choice is kept in localStorage.

import { ui } from "./state.js";

const STORE_KEY = "knooppunt.lang";
export const LANGUAGES = ["nl", "en"];
let catalogue = { nl: {}, en: {} };

export async function loadMessages() {
  const answer = await fetch("/ui/messages.json", { credentials: "same-origin" });
  catalogue = await answer.json();
  const kept = localStorage.getItem(STORE_KEY);
  ui.lang = LANGUAGES.includes(kept) ? kept : "nl";
  document.documentElement.lang = ui.lang;
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  localStorage.setItem(STORE_KEY, lang);
  ui.lang = lang;
  document.documentElement.lang = lang;
}

// t("inbox.title"), t("cluster.and_more", { n: 3 }): "{n}" is replaced by the value.
export function t(key, params = {}) {
  const text = catalogue[ui.lang]?.[key] ?? catalogue.nl?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

// A code's label where the catalogue has one (t(`event.kind.${code}`)), else the code itself:
// for codes the front-end does not know in advance.
export function labelOr(key, code) {
  return catalogue[ui.lang]?.[key] ?? catalogue.nl?.[key] ?? String(code);
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString(ui.lang === "nl" ? "nl-NL" : "en-GB", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function formatDate(value) {
  if (!value) return "–";
  return String(value).slice(0, 10);
}

export function formatTime(value) {
  if (!value) return "–";
  return String(value).slice(0, 16).replace("T", " ");
}

// The text of a failed request, for a message beside the control that sent it.
export function problemText(error) {
  const status = error?.status || 0;
  const key = status === 403 ? "error.forbidden" : status === 404 ? "error.not_found" : "error.failed";
  const title = error?.problem?.title;
  return title ? `${t(key)}: ${title}` : t(key);
}
