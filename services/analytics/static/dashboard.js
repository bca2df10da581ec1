// Remedy ops dashboard: fetches /api/dashboard and draws each panel with Plotly (served from the installed
// package). Every number drawn is in the DOM: the tiles' data-value attributes, each chart's data-figure.
"use strict";

const params = new URLSearchParams(location.search);
const DAY_FORMAT = LANG === "zh" ? "%Y年%-m月%-d日" : "%-d %b %Y";
const TIERS = ["PEOPLES", "COURT"];

function tiles(d) {
  const s = d.summary, box = document.getElementById("summary");
  const waiting = d.queue.tiers.reduce((n, tier) => n + tier.waiting, 0);
  const items = [["cases", fmtInt(s.cases), s.cases], ["open", fmtInt(s.open), s.open], ["closed", fmtInt(s.closed), s.closed],
                 ["claimed", fmtYuan(s.claimed_cents), s.claimed_cents], ["recovered", fmtYuan(s.recovered_cents), s.recovered_cents],
                 ["recovery", fmtPct(s.recovery), s.recovery],
                 ["baseline", d.baseline === null ? "-" : fmtPct(d.baseline), d.baseline === null ? "" : d.baseline],
                 ["cycle_p50", fmtDays(toDays(s.cycle_p50_seconds)), s.cycle_p50_seconds],
                 ["cycle_p90", fmtDays(toDays(s.cycle_p90_seconds)), s.cycle_p90_seconds], ["waiting", fmtInt(waiting), waiting]];
  box.replaceChildren();
  for (const [k, shown, raw] of items) {
    const tile = html("div", {class: "tile", "data-key": k, "data-value": raw === null ? "" : raw});
    tile.append(html("div", {class: "v"}, shown), html("div", {class: "k"}, t("tile." + k)));
    box.append(tile);
  }
}

function funnel(rows) {
  const shown = rows.filter((r) => r.stage !== "ON_HOLD" && r.stage !== "REJECTED");
  if (!shown.length) return empty("chart-funnel");
  plot("chart-funnel", [{type: "funnel", y: shown.map((r) => stageName(r.stage)), x: shown.map((r) => r.entered),
                         customdata: shown.map((r) => r.stage), textinfo: "value+percent initial", marker: {color: COLORS[0]},
                         hovertemplate: "%{y}: %{x:,}<extra></extra>"}],
       {height: rowsHeight(shown.length, 34), yaxis: {automargin: true}});
}

function recovery(rows, baseline) {
  if (!rows.length) return empty("chart-recovery");
  let claimed = 0, recovered = 0;
  const cumulative = rows.map((r) => { claimed += r.claimed_cents; recovered += r.recovered_cents; return claimed ? recovered / claimed : 0; });
  const days = rows.map((r) => r.day);
  const traces = [{type: "scatter", mode: "lines+markers", name: t("series.recovery"), x: days, y: cumulative,
                   customdata: rows.map((r) => fmtDay(r.day)), hovertemplate: "%{customdata}: %{y:.1%}<extra></extra>"},
                  {type: "scatter", mode: "markers", name: t("series.recovery_day"), x: days, y: rows.map((r) => r.recovery),
                   marker: {size: 5, color: COLORS[2]}, customdata: rows.map((r) => fmtDay(r.day)),
                   hovertemplate: "%{customdata}: %{y:.1%}<extra></extra>"}];
  if (baseline !== null)
    traces.push({type: "scatter", mode: "lines", name: t("series.baseline", {rate: fmtPct(baseline)}),
                 x: [days[0], days[days.length - 1]], y: [baseline, baseline], line: {dash: "dash", color: COLORS[3]}});
  const layout = {height: 320, yaxis: {tickformat: ".0%", rangemode: "tozero", title: {text: t("axis.rate")}},
                  xaxis: {type: "date", tickformat: DAY_FORMAT, nticks: 6}};
  if (baseline === null)
    layout.annotations = [{text: t("series.no_baseline"), xref: "paper", yref: "paper", x: 0, y: 1.08, showarrow: false,
                           xanchor: "left", font: {size: 11, color: "#5a6270"}}];
  plot("chart-recovery", traces, layout);
}

function cycle(routes) {
  if (!routes.length) return empty("chart-cycle");
  const name = routes.map((r) => stageName(r.route));
  plot("chart-cycle", [{type: "box", name: t("axis.days"), x: name, q1: routes.map((r) => toDays(r.p25_seconds)),
                        median: routes.map((r) => toDays(r.p50_seconds)), q3: routes.map((r) => toDays(r.p75_seconds)),
                        lowerfence: routes.map((r) => toDays(r.p05_seconds)), upperfence: routes.map((r) => toDays(r.p95_seconds)),
                        customdata: routes.map((r) => r.closed), marker: {color: COLORS[0]}}],
       {height: 320, showlegend: false, yaxis: {title: {text: t("axis.days")}, rangemode: "tozero"}});
}

function cycleWeeks(routes) {
  if (!routes.length) return empty("chart-cycle_weeks");
  plot("chart-cycle_weeks", routes.map((r) => ({type: "bar", name: stageName(r.route), x: r.weeks.map((w) => w.week),
                                                 y: r.weeks.map((w) => w.cases), customdata: r.weeks.map((w) => t("axis.week", {week: w.week})),
                                                 hovertemplate: "%{customdata}: %{y:,}<extra>%{fullData.name}</extra>"})),
       {height: 320, barmode: "stack", xaxis: {title: {text: t("axis.weeks")}, dtick: 1}, yaxis: {title: {text: t("series.cases")}}});
}

function queue(q) {
  const labels = q.bucket_days.concat([null]).map((_, i) => t("wait.bucket." + i));
  if (!q.tiers.length) empty("chart-queue", t("queue.empty"));
  else plot("chart-queue", q.tiers.map((tier) => ({type: "bar", name: t("tier." + tier.tier), x: labels, y: tier.buckets,
                                                   hovertemplate: "%{x}: %{y:,}<extra>%{fullData.name}</extra>"})),
            {height: 280, barmode: "stack", yaxis: {title: {text: t("series.waiting")}}});
  table("table-queue", [["queue.case", (r) => r.case_id], ["queue.tier", (r) => t("tier." + r.tier)],
                        ["queue.region", (r) => (LANG === "en" ? r.region_name_en : r.region_name)], ["queue.since", (r) => fmtInstant(r.since), "wide-only"],
                        ["queue.waited", (r) => fmtDays(toDays(r.waited_seconds))]], q.longest);
}

function table(id, columns, rows) {
  const box = document.getElementById(id);
  if (!rows.length) { box.replaceChildren(html("p", {class: "empty"}, t("no_data"))); return; }
  const tbl = html("table", {"data-table": id}), head = html("tr");
  columns.forEach(([key, , cls]) => head.append(html("th", cls ? {class: cls} : {}, t(key))));
  tbl.append(head);
  for (const r of rows) {
    const tr = html("tr");
    columns.forEach(([key, get, cls]) => tr.append(html("td", {"data-key": key, ...(cls ? {class: cls} : {})}, get(r))));
    tbl.append(tr);
  }
  const wrap = html("div", {class: "scroll"});
  wrap.append(tbl);
  box.replaceChildren(wrap);
}

function mediators(rows) {
  if (!rows.length) return empty("chart-mediators");
  const top = [...rows].sort((a, b) => b.assigned - a.assigned || a.mediator_id.localeCompare(b.mediator_id)).slice(0, 25);
  const y = top.map((r) => `${r.mediator_id} · ${t("tier." + r.tier, null, r.tier)}`);
  const bar = (key, i) => ({type: "bar", orientation: "h", name: t("series." + key), y, x: top.map((r) => r[key]),
                            marker: {color: COLORS[i]}, hovertemplate: "%{y}: %{x:,}<extra>%{fullData.name}</extra>"});
  // the workload (stacked bars) and, beside it on the same rows, the settlement rate (its axis named by the legend
  // on a phone, where a title would not fit)
  const narrow = document.getElementById("chart-mediators").clientWidth < 600;
  plot("chart-mediators", [bar("settled", 1), bar("failed", 3), bar("active", 0),
                           {type: "scatter", mode: "markers", name: t("series.settlement_rate"), y, x: top.map((r) => r.settlement_rate),
                            xaxis: "x2", marker: {symbol: "diamond", size: 9, color: COLORS[4]},
                            hovertemplate: "%{y}: %{x:.1%}<extra></extra>"}],
       {height: rowsHeight(top.length, 24) + 40, barmode: "stack", yaxis: {autorange: "reversed"},
        xaxis: {domain: [0, 0.68], title: {text: t("series.cases")}},
        xaxis2: {domain: [0.74, 1], anchor: "y", range: [0, 1.05], tickformat: ".0%", nticks: 3,
                 title: {text: narrow ? "" : t("series.settlement_rate")}, automargin: true}});
}

function cross(m) {
  document.getElementById("note-cross").textContent = t("cross.total", {n: fmtInt(m.cross_region_cases)});
  if (!m.debtor.length) return empty("chart-cross");
  // a phone has room for fewer columns: the largest lender cities only, names upright
  const narrow = document.getElementById("chart-cross").clientWidth < 600;
  const cols = narrow ? 5 : m.lender.length, rows = narrow ? Math.min(m.debtor.length, 10) : m.debtor.length;
  plot("chart-cross", [{type: "heatmap", x: m.lender.slice(0, cols).map(placeName), y: m.debtor.slice(0, rows).map(placeName),
                        z: m.cases.slice(0, rows).map((row) => row.slice(0, cols)), colorscale: "Blues", reversescale: true,
                        texttemplate: "%{z}", showscale: !narrow,
                        hovertemplate: `${t("axis.debtor_city")} %{y}<br>${t("axis.lender_city")} %{x}<br>%{z:,}<extra></extra>`}],
       {height: rowsHeight(rows, 26) + (narrow ? 120 : 60),
        xaxis: {title: {text: t("axis.lender_city")}, tickangle: narrow ? -90 : -40},
        yaxis: {title: {text: narrow ? "" : t("axis.debtor_city")}, autorange: "reversed"}});
}

function hbar(id, labels, values, name, keys) {
  if (!labels.length) return empty(id);
  plot(id, [{type: "bar", orientation: "h", name, y: labels, x: values, customdata: keys, marker: {color: COLORS[0]},
             hovertemplate: "%{y}: %{x:,}<extra></extra>"}], {height: rowsHeight(labels.length), yaxis: {autorange: "reversed"}});
}

function rejections(rows) {
  if (!rows.length) return empty("chart-rejections");
  const reasons = [...new Set(rows.map((r) => r.reason))], lenders = [...new Set(rows.map((r) => r.lender_id))];
  plot("chart-rejections", lenders.map((l) => ({type: "bar", orientation: "h", name: l, y: reasons.map((c) => t("reason." + c, null, c)),
                                               x: reasons.map((c) => rows.filter((r) => r.lender_id === l && r.reason === c).reduce((n, r) => n + r.rejections, 0)),
                                               customdata: reasons, hovertemplate: "%{y}: %{x:,}<extra>%{fullData.name}</extra>"})),
       {height: rowsHeight(reasons.length, 30) + 22 * Math.ceil(lenders.length / 3), barmode: "stack", yaxis: {autorange: "reversed"}});
}

function render(d) {
  tiles(d);
  funnel(d.funnel);
  recovery(d.recovery, d.baseline);
  cycle(d.cycle_routes);
  cycleWeeks(d.cycle_routes);
  queue(d.queue);
  mediators(d.mediators);
  cross(d.cross_matrix);
  const kinds = Object.keys(d.compliance.deadlines);
  hbar("chart-deadlines", kinds.map((k) => t("deadline." + k)), kinds.map((k) => d.compliance.deadlines[k]), t("series.cases"), kinds);
  hbar("chart-backlog", d.backlog.map((r) => stageName(r.stage)), d.backlog.map((r) => r.cases), t("series.cases"),
       d.backlog.map((r) => r.stage));
  const n = d.compliance.notices;
  hbar("chart-notices", n.map((r) => t("status." + r.status, null, r.status) + (r.rule ? " · " + t("rule." + r.rule, null, r.rule) : "")),
       n.map((r) => r.notices), t("series.notices"), n.map((r) => r.status + "|" + r.rule));
  rejections(d.rejections);
}

function fillSelect(name, options, current) {
  const select = document.querySelector(`select[name=${name}]`);
  select.replaceChildren(new Option(t("all"), ""));
  for (const [value, label] of options) select.append(new Option(label, value, false, value === current));
  if (current && !options.some(([value]) => value === current)) select.append(new Option(current, current, false, true));
}

// A region or city by name in the page's language (English names are GB/T 2260's in pinyin).
function placeName(place) {
  return LANG === "en" ? place.name_en : place.name;
}

function languageLink() {
  const other = new URLSearchParams(location.search);
  other.set("lang", LANG === "zh" ? "en" : "zh");
  document.getElementById("language").href = "?" + other.toString();
}

async function load(fromForm) {
  const form = document.getElementById("filters"), q = new URLSearchParams();
  for (const name of ["lender", "region", "from", "to"]) {
    const v = fromForm ? form.elements[name].value : (params.get(name) || "");
    if (v) q.set(name, v);
  }
  document.body.dataset.state = "loading";
  const res = await fetch("/api/dashboard?" + q.toString(), {credentials: "same-origin"});  // the session cookie
  const status = document.getElementById("status");
  if (res.status === 401) { location.href = "/login"; return; }
  if (!res.ok) {
    let message = await res.text();
    try { message = JSON.parse(message).error; } catch (e) { /* not JSON: shown as it came */ }
    status.textContent = t("status.error", {status: res.status, message});
    document.body.dataset.status = String(res.status);
    document.body.dataset.state = "error";
    return;
  }
  const d = await res.json();
  fillSelect("lender", d.lenders.map((l) => [l, l]), d.filters.lender || "");
  fillSelect("region", d.regions.map((r) => [r.code, `${placeName(r)} ${r.code}`]), d.filters.region || "");
  form.elements.from.value = d.filters.from || "";
  form.elements.to.value = d.filters.to || "";
  DRAWING.length = 0;
  render(d);
  await Promise.all(DRAWING);
  languageLink();
  const snap = d.snapshot;
  status.textContent = [t("status.as_of", {when: fmtInstant(d.now)}),
                        snap ? t("status.snapshot", {age: fmtAge(snap.age_seconds)}) + (snap.current === false ? t("status.snapshot_behind") : "")
                             : t("status.no_snapshot"),
                        d.filters.lender ? t("status.lender", {lender: d.filters.lender}) : t("status.all_lenders"),
                        d.filters.region ? t("status.region", {region: d.filters.region}) : ""].filter(Boolean).join(" · ");
  document.body.dataset.state = "ready";
}

function fmtAge(seconds) {   // how long ago the snapshot was built: wall time, not the funnel's clock
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("unit.seconds", {n: s});
  if (s < 3600) return t("unit.minutes", {n: Math.round(s / 60)});
  return t("unit.hours", {n: Math.round(s / 360) / 10});
}

document.getElementById("filters").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target, next = new URLSearchParams(location.search);
  for (const name of ["lender", "region", "from", "to"]) f.elements[name].value ? next.set(name, f.elements[name].value) : next.delete(name);
  history.replaceState(null, "", "?" + next.toString());
  load(true);
});
languageLink();
load(false);
