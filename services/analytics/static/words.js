// The dashboard's words and formats: the catalogue the server embedded in the page (messages/dashboard.json in
// the page's language), money as ¥ with thousands separators, days as 2026年12月4日 / 4 Dec 2026. And `plot`, which
// draws one Plotly figure and leaves what it drew readable in the DOM (data-figure) for tests and people.
"use strict";

const WORDS = JSON.parse(document.getElementById("messages").textContent);
const LANG = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DRAWING = [];   // the figures being drawn: the page is ready when they are
const COLORS = ["#2f6fde", "#1e9e6a", "#e0862b", "#c2453d", "#7a5cc7", "#3aa6b9", "#9a9a2e", "#d4699a"];

// A message, with {name} placeholders filled; a key the catalogue lacks is shown as `fallback` (or the key).
function t(key, values, fallback) {
  let text = key in WORDS ? WORDS[key] : (fallback === undefined ? key : fallback);
  for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
  return text;
}

const fmtInt = (n) => Number(n || 0).toLocaleString("en-US");
const fmtPct = (x) => (100 * (x || 0)).toFixed(1) + "%";
const fmtYuan = (fen) => (fen < 0 ? "-" : "") + "¥" + Math.round(Math.abs(Number(fen || 0)) / 100).toLocaleString("en-US");
const toDays = (s) => (s === null || s === undefined) ? null : s / 86400;
const fmtDays = (d) => d === null ? "-" : t("unit.days", {n: d.toFixed(1)});
const stageName = (s) => s ? t("stage." + s, null, s) : t("stage.none");

function fmtDay(iso) {
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  return LANG === "zh" ? `${y}年${m}月${d}日` : `${d} ${MONTHS[m - 1]} ${y}`;
}

function fmtInstant(iso) {   // China time (UTC+8), like remedy.contract.i18n.instant
  const local = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  const hm = local.toISOString().slice(11, 16);
  return fmtDay(local.toISOString()) + " " + hm + (LANG === "zh" ? "" : " (UTC+8)");
}

function html(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function empty(id, message) {
  const box = document.getElementById(id);
  if (box.data) Plotly.purge(box);
  box.replaceChildren(html("p", {class: "empty", "data-empty": id}, message || t("no_data")));
  box.dataset.figure = "[]";
}

const BASE_LAYOUT = {
  margin: {l: 10, r: 10, t: 10, b: 10, pad: 2}, autosize: true, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
  font: {family: getComputedStyle(document.body).fontFamily, size: 12, color: "#1d2330"}, colorway: COLORS,
  legend: {orientation: "h", x: 0, y: 1.02, yanchor: "bottom"}, separators: ".,",
  xaxis: {automargin: true}, yaxis: {automargin: true},
};

// Draw a figure into #id (Plotly.react: redrawn in place when the filters change); what was drawn stays in the
// element's data-figure attribute: each trace's name, type and its x/y/z/text arrays.
function plot(id, traces, layout) {
  const box = document.getElementById(id);
  if (!box.data) box.replaceChildren();
  const merged = {...BASE_LAYOUT, ...layout, xaxis: {...BASE_LAYOUT.xaxis, ...(layout.xaxis || {})},
                  yaxis: {...BASE_LAYOUT.yaxis, ...(layout.yaxis || {})}};
  box.dataset.figure = JSON.stringify(traces.map((tr) => {
    const kept = {type: tr.type, name: tr.name};
    for (const k of ["x", "y", "z", "text", "customdata", "q1", "median", "q3", "lowerfence", "upperfence"])
      if (tr[k] !== undefined) kept[k] = tr[k];
    return kept;
  }));
  box.style.height = merged.height + "px";   // a fixed height: resizing the window redraws the width only
  const drawn = Plotly.react(box, traces, merged, {displayModeBar: false, responsive: true});
  DRAWING.push(drawn);
  return drawn;
}

// Horizontal bars need room per row, or long names overlap.
const rowsHeight = (n, per) => Math.max(200, 70 + n * (per || 26));
