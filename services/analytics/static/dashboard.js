// Remedy ops dashboard: fetches /api/dashboard and draws hand-written SVG charts. No libraries.
// Every drawn number is also in a data-value attribute, so tests can read what the charts show.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2f6fde", "#1e9e6a", "#e0862b", "#c2453d", "#7a5cc7", "#3aa6b9", "#9a9a2e"];
const params = new URLSearchParams(location.search);

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmtInt = (n) => Number(n || 0).toLocaleString("en-US");
const fmtPct = (x) => (100 * (x || 0)).toFixed(1) + "%";
const fmtYuan = (fen) => "¥" + (Number(fen || 0) / 100).toLocaleString("en-US", {maximumFractionDigits: 0});
const days = (s) => (s === null || s === undefined) ? null : s / 86400;
const fmtDays = (d) => d === null ? "–" : d.toFixed(1) + " d";

// Grouped horizontal bars: rows [{label, values: [..]}], series names, a formatter.
function hbars(container, chart, rows, series, fmt) {
  container.replaceChildren();
  if (!rows.length) { container.append(html("p", {"data-empty": chart}, "no data")); return; }
  const rowH = 14 * series.length + 8, width = 540;
  const left = Math.min(260, Math.max(120, 7 * Math.max(...rows.map((r) => r.label.length)))), barW = width - left - 70;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values.map((v) => v || 0)));
  const svg = el("svg", {width, height: rows.length * rowH + 24, "data-chart": chart});
  rows.forEach((row, i) => {
    const y = i * rowH + 4;
    svg.append(el("text", {x: 0, y: y + rowH / 2, "dominant-baseline": "middle"}, row.label));
    row.values.forEach((v, j) => {
      const w = Math.max(1, barW * (v || 0) / max);
      svg.append(el("rect", {x: left, y: y + j * 14, width: w, height: 12, fill: COLORS[j % COLORS.length],
                             "data-key": row.label + "." + series[j], "data-value": v === null ? "" : v}));
      svg.append(el("text", {x: left + w + 4, y: y + j * 14 + 10, class: "value", "data-chart": chart,
                             "data-key": row.label + "." + series[j]}, fmt(v, j)));
    });
  });
  const legend = html("div", {class: "legend"});
  series.forEach((s, j) => { const sp = html("span"), dot = html("i"); dot.style.background = COLORS[j]; sp.append(dot, s); legend.append(sp); });
  container.append(svg, legend);
}

// A line chart of one ratio over days.
function line(container, chart, points, fmt) {
  container.replaceChildren();
  if (!points.length) { container.append(html("p", {"data-empty": chart}, "no data")); return; }
  const width = 540, height = 200, pad = 36;
  const max = Math.max(1e-9, ...points.map((p) => p.y));
  const x = (i) => pad + (points.length === 1 ? 0 : i * (width - 2 * pad) / (points.length - 1));
  const y = (v) => height - pad - (height - 2 * pad) * v / max;
  const svg = el("svg", {width, height, "data-chart": chart});
  svg.append(el("line", {x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "axis"}));
  svg.append(el("polyline", {points: points.map((p, i) => x(i) + "," + y(p.y)).join(" "), fill: "none",
                             stroke: COLORS[0], "stroke-width": 2}));
  points.forEach((p, i) => {
    svg.append(el("circle", {cx: x(i), cy: y(p.y), r: 3, fill: COLORS[0], "data-key": p.label, "data-value": p.y}));
    if (points.length <= 12 || i % Math.ceil(points.length / 12) === 0)
      svg.append(el("text", {x: x(i), y: height - pad + 14, "text-anchor": "middle"}, p.label.slice(5)));
  });
  svg.append(el("text", {x: pad, y: 14}, "max " + fmt(max)));
  container.append(svg);
}

function table(container, chart, columns, rows) {
  container.replaceChildren();
  if (!rows.length) { container.append(html("p", {"data-empty": chart}, "no data")); return; }
  const t = html("table", {"data-chart": chart});
  const head = html("tr");
  columns.forEach(([title]) => head.append(html("th", {}, title)));
  t.append(head);
  rows.forEach((r) => {
    const tr = html("tr");
    columns.forEach(([title, get, fmt]) => {
      const v = get(r);
      tr.append(html("td", {"data-key": title, "data-value": v === null ? "" : v}, fmt ? fmt(v) : v));
    });
    t.append(tr);
  });
  container.append(t);
}

function tiles(s) {
  const box = document.getElementById("summary");
  box.replaceChildren();
  const items = [["cases", fmtInt(s.cases), s.cases], ["open", fmtInt(s.open), s.open], ["closed", fmtInt(s.closed), s.closed],
                 ["claimed", fmtYuan(s.claimed_cents), s.claimed_cents], ["recovered", fmtYuan(s.recovered_cents), s.recovered_cents],
                 ["recovery", fmtPct(s.recovery), s.recovery], ["cycle p50", fmtDays(days(s.cycle_p50_seconds)), s.cycle_p50_seconds],
                 ["cycle p90", fmtDays(days(s.cycle_p90_seconds)), s.cycle_p90_seconds]];
  for (const [k, shown, raw] of items) {
    const t = html("div", {class: "tile", "data-key": k, "data-value": raw});
    t.append(html("div", {class: "v"}, shown), html("div", {class: "k"}, k));
    box.append(t);
  }
}

function render(d) {
  tiles(d.summary);
  hbars(document.getElementById("chart-funnel"), "funnel",
        d.funnel.map((r) => ({label: r.stage, values: [r.entered, r.settled, r.escalated]})),
        ["entered", "settled", "escalated"], (v) => fmtInt(v));
  line(document.getElementById("chart-recovery"), "recovery",
       d.recovery.map((r) => ({label: r.day, y: r.recovery})), fmtPct);
  hbars(document.getElementById("chart-cycle"), "cycle",
        d.cycle.map((r) => ({label: r.route || "(none)", values: [days(r.p50_seconds), days(r.p90_seconds)]})),
        ["p50", "p90"], (v) => fmtDays(v));
  hbars(document.getElementById("chart-backlog"), "backlog",
        d.backlog.map((r) => ({label: r.stage, values: [r.cases]})), ["open cases"], (v) => fmtInt(v));
  const comp = document.getElementById("chart-compliance");
  hbars(comp, "compliance",
        d.compliance.notices.map((r) => ({label: r.status + (r.rule ? " · " + r.rule : ""), values: [r.notices]})),
        ["notices"], (v) => fmtInt(v));
  const dl = html("div", {class: "legend", "data-chart": "deadlines"});
  for (const [rule, n] of Object.entries(d.compliance.deadlines))
    dl.append(html("span", {"data-key": rule, "data-value": n}, rule.replace(/_/g, " ") + " overdue: " + fmtInt(n)));
  comp.append(dl);
  table(document.getElementById("chart-cross"), "cross_region",
        [["debtor region", (r) => `${r.debtor_region_name} ${r.debtor_region}`],
         ["lender region", (r) => `${r.lender_region_name} ${r.lender_region}`], ["court", (r) => r.court],
         ["cases", (r) => r.cases, fmtInt], ["cross-region", (r) => r.cross_region_cases, fmtInt],
         ["recovery", (r) => r.claimed_cents ? r.recovered_cents / r.claimed_cents : 0, fmtPct]], d.cross_region);
  table(document.getElementById("chart-mediators"), "mediators",
        [["mediator", (r) => r.mediator_id + " (" + r.tier + ")"], ["assigned", (r) => r.assigned, fmtInt],
         ["active", (r) => r.active, fmtInt], ["settled", (r) => r.settled, fmtInt], ["failed", (r) => r.failed, fmtInt],
         ["settlement rate", (r) => r.settlement_rate, fmtPct]], d.mediators);
  hbars(document.getElementById("chart-rejections"), "rejections",
        d.rejections.map((r) => ({label: r.lender_id + " · " + r.reason, values: [r.rejections]})), ["rejections"],
        (v) => fmtInt(v));
}

function fillLenders(lenders, current) {
  const select = document.querySelector("select[name=lender]");
  if (select.options.length > 1) return;
  for (const l of lenders) select.append(new Option(l, l, false, l === current));
}

async function load() {
  const form = document.getElementById("filters");
  const q = new URLSearchParams();
  for (const name of ["lender", "region", "from", "to"]) {
    const v = form.elements[name].value || params.get(name) || "";
    if (v) { q.set(name, v); form.elements[name].value = v; }
  }
  document.body.dataset.state = "loading";
  const res = await fetch("/api/dashboard?" + q.toString(), {credentials: "same-origin"});  // the session cookie
  const status = document.getElementById("status");
  if (res.status === 401) { location.href = "/login"; return; }
  if (!res.ok) {
    status.textContent = "error " + res.status + ": " + (await res.text());
    document.body.dataset.state = "error";
    return;
  }
  const d = await res.json();
  fillLenders(d.lenders, d.filters.lender);
  render(d);
  status.textContent = "as of " + d.now + (d.filters.lender ? " · lender " + d.filters.lender : " · all lenders");
  document.body.dataset.state = "ready";
}

document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
load();
