// The explorer: the landscape from /api/landscape, runs from /api/run, basin overlay from /api/basins.
"use strict";
const $ = (id) => document.getElementById(id);
const canvas = $("plot"), ctx = canvas.getContext("2d");
const M = { left: 56, right: 86, top: 14, bottom: 40 };
const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
const VIRIDIS = [[68,1,84],[72,36,117],[65,68,135],[53,95,141],[42,120,142],[33,145,140],[34,168,132],[68,191,112],[122,209,81],[189,223,38],[253,231,37]];
const state = { fn: "peaks", land: null, runs: [], basins: null, next: 0 };

function viridis(t) {
  t = Math.min(1, Math.max(0, t)) * 10; const i = Math.min(9, Math.floor(t)), f = t - i;
  return VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
}
const plotW = () => canvas.width - M.left - M.right, plotH = () => canvas.height - M.top - M.bottom;
function toPx(p) { const d = state.land.domain; return [M.left + (p[0] - d[0]) / (d[1] - d[0]) * plotW(), M.top + (d[3] - p[1]) / (d[3] - d[2]) * plotH()]; }
function toData(px, py) { const d = state.land.domain; return [d[0] + (px - M.left) / plotW() * (d[1] - d[0]), d[3] - (py - M.top) / plotH() * (d[3] - d[2])]; }

async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const v = await r.json();
  if (!r.ok) throw v;
  return v;
}

function showError(e, text) {
  const el = $("error");
  if (!e) { el.textContent = ""; return; }
  if (e.span && text) {
    const [a, b] = e.span, esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    el.innerHTML = esc(e.error) + "\n" + esc(text.slice(0, a)) + "<mark>" + (esc(text.slice(a, Math.max(b, a + 1))) || "&nbsp;") + "</mark>" + esc(text.slice(Math.max(b, a + 1)));
  } else el.textContent = e.error || String(e);
}

let landImage = null;
// Shows function `fn` (a catalog name or an expression). The runs keep their starts and settings and are
// computed again on the new landscape; `saved` are runs' settings to rebuild (from the address).
async function loadFunction(fn, saved) {
  const diff = await api("/api/diff", { function: fn });
  const land = await api("/api/landscape", { function: fn, width: 220, height: 165 });
  state.fn = fn; state.land = land; state.basins = null;
  const entry = (state.catalog || []).find((f) => f.name === fn);
  $("catalog").value = entry ? fn : "custom";
  if (entry) $("expr").value = land.expression; else if ($("expr").value.trim() !== fn) $("expr").value = fn;
  if (saved) { state.runs = saved.map((settings) => ({ settings, report: null, color: COLORS[state.next++ % COLORS.length] })); }
  $("gradient").textContent = "∂f/∂x = " + diff.gradient[0] + "\n∂f/∂y = " + diff.gradient[1];
  const img = ctx.createImageData(land.width, land.height), span = (land.max - land.min) || 1;
  land.values.forEach((v, i) => { const c = v === null ? [200, 200, 200] : viridis((v - land.min) / span); img.data.set([...c, 255], i * 4); });
  const off = document.createElement("canvas"); off.width = land.width; off.height = land.height; off.getContext("2d").putImageData(img, 0, 0);
  landImage = off;
  if ($("overlay").checked) await loadBasins();
  await recompute();
  draw(); saveState();
  await loadMesh();
}

async function loadBasins() {
  const b = await api("/api/basins", { function: state.fn, grid: 128, epochs: 300, lr: lr(), optimizer: $("optimizer").value, ascent: $("ascent").checked, precision: "f32" });
  const off = document.createElement("canvas"); off.width = off.height = 128;
  const g = off.getContext("2d"), img = g.createImageData(128, 128);
  for (let j = 0; j < 128; j++) for (let i = 0; i < 128; i++) {
    const l = b.labels[(127 - j) * 128 + i];
    const c = l >= 0 ? hex(COLORS[(l + 1) % COLORS.length]) : l === -1 ? [20, 20, 20] : [235, 235, 235];
    img.data.set([...c, 110], (j * 128 + i) * 4);
  }
  g.putImageData(img, 0, 0); state.basins = off;
}
const hex = (h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));

// Draws everything; the runs from index `from` on only up to epoch `partial` (their start animation).
function draw(partial, from = state.runs.length - 1) {
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!state.land) return;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(landImage, M.left, M.top, plotW(), plotH());
  if (state.basins) { ctx.imageSmoothingEnabled = false; ctx.drawImage(state.basins, M.left, M.top, plotW(), plotH()); }
  axes();
  state.runs.forEach((r, k) => { if (r.report) drawRun(r, partial && k >= from ? partial : r.report.trajectory.length); });
  legend();
}

function axes() {
  const d = state.land.domain;
  ctx.strokeStyle = "#1d232a"; ctx.lineWidth = 1; ctx.strokeRect(M.left, M.top, plotW(), plotH());
  ctx.fillStyle = "#1d232a"; ctx.font = "13px system-ui, sans-serif"; ctx.textAlign = "center";
  for (let k = 0; k <= 6; k++) {
    const x = d[0] + (d[1] - d[0]) * k / 6, y = d[2] + (d[3] - d[2]) * k / 6;
    const [px] = toPx([x, d[2]]), [, py] = toPx([d[0], y]);
    ctx.fillText(+x.toFixed(2), px, M.top + plotH() + 18);
    ctx.textAlign = "right"; ctx.fillText(+y.toFixed(2), M.left - 6, py + 4); ctx.textAlign = "center";
  }
  ctx.fillText("x", M.left + plotW() / 2, canvas.height - 6);
  ctx.fillText("y", 14, M.top + plotH() / 2);
  const bx = M.left + plotW() + 18, lo = state.land.min, hi = state.land.max;
  for (let j = 0; j < plotH(); j++) { ctx.fillStyle = "rgb(" + viridis(1 - j / plotH()) + ")"; ctx.fillRect(bx, M.top + j, 14, 1); }
  ctx.fillStyle = "#1d232a"; ctx.textAlign = "left";
  ctx.fillText(+hi.toPrecision(3), bx + 18, M.top + 10); ctx.fillText(+lo.toPrecision(3), bx + 18, M.top + plotH());
}

// The legend, on the plot (so that a PNG carries it): each run's colour, optimizer and learning rate.
function legend() {
  const all = computed(), shown = all.slice(0, 8);
  if (!shown.length) return;
  const more = all.length - shown.length;
  ctx.font = "13px system-ui, sans-serif"; ctx.textAlign = "left";
  const lines = shown.map((r) => `${r.settings.optimizer}  lr ${+r.report.learning_rate.toPrecision(3)}`);
  if (more > 0) lines.push(`and ${more} more`);
  const w = Math.max(...lines.map((t) => ctx.measureText(t).width)) + 40, h = lines.length * 18 + 10;
  const x = M.left + 8, y = M.top + 8;
  ctx.fillStyle = "rgba(255, 255, 255, 0.9)"; ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#8a949e"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
  lines.forEach((t, k) => {
    const ly = y + 14 + k * 18;
    if (k < shown.length) { ctx.strokeStyle = shown[k].color; ctx.lineWidth = 3; ctx.beginPath(); ctx.moveTo(x + 8, ly - 4); ctx.lineTo(x + 28, ly - 4); ctx.stroke(); }
    ctx.fillStyle = "#1d232a"; ctx.fillText(t, x + 34, ly);
  });
}

function drawRun(r, n) {
  const pts = [r.report.start, ...r.report.trajectory.slice(0, n)];
  ctx.save(); ctx.beginPath(); ctx.rect(M.left, M.top, plotW(), plotH()); ctx.clip();
  ctx.strokeStyle = r.color; ctx.lineWidth = 2; ctx.beginPath();
  pts.forEach((p, i) => { const [x, y] = toPx(p); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); }); ctx.stroke();
  const [sx, sy] = toPx(pts[0]); ctx.fillStyle = "#1f3bd6"; ctx.fillRect(sx - 4, sy - 4, 8, 8);
  const [ex, ey] = toPx(pts[pts.length - 1]); ctx.fillStyle = r.color; ctx.beginPath(); ctx.arc(ex, ey, 5, 0, 7); ctx.fill(); ctx.strokeStyle = "#fff"; ctx.stroke();
  ctx.restore();
}

// The settings of a new run, from the controls. Each run keeps its own (shown in the table, kept in the address).
function settingsFrom(start, o = $("optimizer").value) {
  const s = { start, optimizer: o, lr: lr(), epochs: epochsValue(), ascent: $("ascent").checked };
  if (o === "momentum" || o === "nesterov") s.momentum = +$("momentum").value;
  if (o === "adam" || o === "adamw") { s.beta1 = +$("beta1").value; s.beta2 = +$("beta2").value; }
  return s;
}
const epochsValue = () => Number($("epochs").value);
// The runs with a result (a run whose settings failed on this function has none), the optimizers ticked for a
// race, and a method's description from /api/optimizers.
const computed = () => state.runs.filter((r) => r.report);
const raceChoice = () => [...document.querySelectorAll("#race-list input:checked")].map((c) => c.value);
const optimizerInfo = (name) => (state.optimizers || []).find((m) => m.name === name);

// A click: one run with the optimizer chosen above, or a race of every optimizer ticked under "Race", all
// from that point, in one request. In a race each method takes the learning rate set here, except those whose
// default differs from the chosen method's (Newton and the line searches start from a full step, 1).
async function startRun(start, animate = true) {
  const ticked = raceChoice();
  const here = optimizerInfo($("optimizer").value);
  const all = (ticked.length ? ticked : [$("optimizer").value]).map((name) => {
    const s = settingsFrom(start, name), m = optimizerInfo(name);
    if (ticked.length && m && here && m.default_lr !== here.default_lr) s.lr = m.default_lr;
    return s;
  });
  try {
    const { runs: reports } = await api("/api/runs", { function: state.fn, runs: all });
    showSettingsError(null);
    const first = state.runs.length;
    reports.forEach((report, k) => state.runs.push({ settings: all[k], report, color: COLORS[state.next++ % COLORS.length] }));
    renderRuns(); saveState();
    const n = Math.max(...reports.map((r) => r.trajectory.length)), frames = animate ? 40 : 1; let f = 0;
    const tick = () => { f++; draw(Math.ceil(n * (f / frames) ** 2), first); if (f < frames) requestAnimationFrame(tick); };
    tick();
  } catch (e) { showSettingsError(e); }
}

// Every run computed again (a slider moved, the function changed): one request for all of them; while one is
// in flight, only the latest wish waits, so a dragged slider redraws as fast as the server answers.
let recomputing = false, again = false;
async function recompute() {
  if (recomputing) { again = true; return; }
  recomputing = true;
  try {
    do {
      again = false;
      if (!state.runs.length) break;
      const fn = state.fn, runs = state.runs.slice();
      try {
        const answer = await api("/api/runs", { function: fn, runs: runs.map((r) => r.settings) });
        if (fn === state.fn) { answer.runs.forEach((report, k) => { runs[k].report = report; }); showSettingsError(null); }
      } catch (e) { showSettingsError(e); }
      renderRuns(); draw(); saveState();
    } while (again);
  } finally { recomputing = false; }
}
// A setting changed: every run takes it (each keeps its own optimizer), and all are computed again.
function applyToRuns(name, value) {
  for (const r of state.runs) r.settings[name] = value;
  return recompute();
}
function showSettingsError(e) {
  $("settings-error").textContent = e ? (e.error || String(e)).replace(/^runs\[\d+\]: /, "") : "";
}

// The 3-D view: the landscape as shaded quads, back to front, orthographic, with matplotlib's elev/azim.
const view = { elev: 30, azim: 250, mesh: null };
const c3 = $("view3d"), g3 = c3.getContext("2d");
async function loadMesh() {
  view.mesh = await api("/api/landscape", { function: state.fn, width: 48, height: 48 });
  draw3d();
}
function draw3d() {
  g3.fillStyle = "#fff"; g3.fillRect(0, 0, c3.width, c3.height);
  const m = view.mesh; if (!m) return;
  const d = m.domain, span = (m.max - m.min) || 1;
  const e = view.elev * Math.PI / 180, a = view.azim * Math.PI / 180;
  const right = [-Math.sin(a), Math.cos(a), 0], up = [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)];
  const toward = [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)];
  const zoom = Math.min(c3.width, c3.height * 1.2) * 0.62, cx = c3.width / 2, cy = c3.height / 2;
  const unit = (x, y, z) => [(x - d[0]) / (d[1] - d[0]) - 0.5, (y - d[2]) / (d[3] - d[2]) - 0.5, ((Math.min(m.max, Math.max(m.min, z)) - m.min) / span - 0.5) * 0.75];
  const dot = (u, v) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const screen = (p) => [cx + zoom * dot(right, p), cy - zoom * dot(up, p)];
  const node = (i, j) => { // j = 0 is ymax in the landscape's rows
    const v = m.values[j * m.width + i];
    const x = d[0] + (d[1] - d[0]) * (i + 0.5) / m.width, y = d[3] - (d[3] - d[2]) * (j + 0.5) / m.height;
    return v === null ? null : { p: unit(x, y, v), v };
  };
  const quads = [];
  for (let j = 0; j + 1 < m.height; j++) for (let i = 0; i + 1 < m.width; i++) {
    const q = [node(i, j), node(i + 1, j), node(i + 1, j + 1), node(i, j + 1)];
    if (q.some((n) => n === null)) continue;
    const centre = [0, 1, 2].map((k) => q.reduce((s, n) => s + n.p[k], 0) / 4);
    quads.push({ depth: dot(toward, centre), q, v: q.reduce((s, n) => s + n.v, 0) / 4 });
  }
  quads.sort((p, q) => p.depth - q.depth);
  for (const { q, v } of quads) {
    g3.fillStyle = g3.strokeStyle = "rgb(" + viridis((v - m.min) / span) + ")";
    g3.beginPath(); q.forEach((n, k) => { const [x, y] = screen(n.p); k ? g3.lineTo(x, y) : g3.moveTo(x, y); }); g3.closePath(); g3.fill(); g3.stroke();
  }
  for (const r of computed()) {
    const pts = [r.report.start, ...r.report.trajectory].filter((p) => p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3]);
    const vals = pts.map((p) => valueAt(p));
    g3.strokeStyle = r.color; g3.lineWidth = 2; g3.beginPath();
    pts.forEach((p, k) => { const [x, y] = screen(unit(p[0], p[1], vals[k])); k ? g3.lineTo(x, y) : g3.moveTo(x, y); });
    g3.stroke(); g3.lineWidth = 1;
  }
}
// f at a point from the 2-D landscape samples (nearest), to lift paths onto the surface.
function valueAt(p) {
  const l = state.land, d = l.domain;
  const i = Math.min(l.width - 1, Math.max(0, Math.floor((p[0] - d[0]) / (d[1] - d[0]) * l.width)));
  const j = Math.min(l.height - 1, Math.max(0, Math.floor((d[3] - p[1]) / (d[3] - d[2]) * l.height)));
  const v = l.values[j * l.width + i];
  return v === null ? l.min : v;
}
let dragging = null;
c3.addEventListener("pointerdown", (ev) => { dragging = [ev.clientX, ev.clientY]; c3.setPointerCapture(ev.pointerId); });
c3.addEventListener("pointermove", (ev) => {
  if (!dragging) return;
  view.azim -= (ev.clientX - dragging[0]) * 0.5; view.elev = Math.max(-90, Math.min(90, view.elev + (ev.clientY - dragging[1]) * 0.5));
  dragging = [ev.clientX, ev.clientY]; draw3d();
});
c3.addEventListener("pointerup", () => { dragging = null; saveState(); });
c3.addEventListener("keydown", (ev) => {
  const k = { ArrowLeft: [0, 10], ArrowRight: [0, -10], ArrowUp: [5, 0], ArrowDown: [-5, 0] }[ev.key];
  if (k) { ev.preventDefault(); view.elev = Math.max(-90, Math.min(90, view.elev + k[0])); view.azim += k[1]; draw3d(); saveState(); }
});

function renderRuns() {
  const tb = $("runs").tBodies[0]; tb.innerHTML = "";
  if (typeof draw3d === "function" && view.mesh) draw3d();
  const fmt = (v) => (v === null ? "–" : Math.abs(v) < 1e-4 && v !== 0 ? v.toExponential(2) : +v.toPrecision(5));
  state.runs.forEach((r, k) => {
    const p = r.report, q = r.settings, tr = tb.insertRow();
    const result = p ? `<td>(${fmt(p.end[0])}, ${fmt(p.end[1])})</td><td>${fmt(p.value)}</td><td>${p.termination}</td><td>${p.stationary_point}</td>`
      : `<td colspan="4">not computed: see the message above</td>`;
    tr.innerHTML = `<td class="swatch"><span style="background:${r.color}"></span></td><td>${q.optimizer}</td><td>${fmt(p ? p.learning_rate : q.lr)}</td><td>${q.epochs}</td>` +
      `<td>(${fmt(q.start[0])}, ${fmt(q.start[1])})</td>` + result +
      `<td><button aria-label="remove run">✕</button></td>`;
    tr.querySelector("button").onclick = () => { state.runs.splice(k, 1); renderRuns(); draw(); saveState(); };
  });
}

function saveState() {
  const s = new URLSearchParams({ f: state.fn, opt: $("optimizer").value, lr: +lr().toPrecision(6), epochs: $("epochs").value, ascent: $("ascent").checked ? 1 : 0, overlay: $("overlay").checked ? 1 : 0, view: `${Math.round(view.elev)},${Math.round(view.azim)}` });
  const race = raceChoice();
  if (race.length) s.set("race", race.join(","));
  if (state.runs.length) s.set("runs", JSON.stringify(state.runs.map((r) => ({ ...r.settings, start: r.settings.start.map((v) => +v.toPrecision(8)) }))));
  history.replaceState(null, "", "#" + s);
}

function download(name, text, type) {
  const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([text], { type })); a.download = name; a.click();
}

function syncControls() {
  const o = $("optimizer").value;
  $("momentum-box").hidden = !(o === "momentum" || o === "nesterov");
  $("betas-box").hidden = !(o === "adam" || o === "adamw");
  if (document.activeElement !== $("lrv")) $("lrv").value = +lr().toPrecision(3);
}
// The learning rate: a slider on a log scale from 1e-6 to 10 and a box for exact values (0.5, 0.00001).
let exactLr = null;
function lr() { return exactLr ?? Math.pow(10, parseFloat($("lr").value)); }

let typing = null;
$("expr").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(async () => {
    const text = $("expr").value.trim();
    if (!text) { showError({ error: "type an expression in x and y, or choose a function from the list" }); return; }
    try { await api("/api/diff", { function: text }); showError(null); await loadFunction(text); }
    catch (e) { showError(e, text); }
  }, 400);
});
$("catalog").addEventListener("change", () => { if ($("catalog").value !== "custom") { showError(null); loadFunction($("catalog").value); } });
canvas.addEventListener("click", (ev) => {
  if (!state.land) return;
  const r = canvas.getBoundingClientRect(), px = (ev.clientX - r.left) * canvas.width / r.width, py = (ev.clientY - r.top) * canvas.height / r.height;
  if (px < M.left || px > M.left + plotW() || py < M.top || py > M.top + plotH()) return;
  startRun(toData(px, py));
});
canvas.tabIndex = 0;
canvas.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && state.land) { const d = state.land.domain; startRun([(d[0] + d[1]) / 2, (d[2] + d[3]) / 2]); } });
const refreshOverlay = () => { if ($("overlay").checked) loadBasins().then(() => draw()); };
// A new run's optimizer; its learning rate starts at the method's default (1 for Newton and the line searches).
$("optimizer").addEventListener("change", () => {
  const m = optimizerInfo($("optimizer").value);
  if (m) { exactLr = m.default_lr; $("lr").value = Math.log10(m.default_lr); }
  syncControls(); saveState(); refreshOverlay();
});
$("lr").addEventListener("input", () => { exactLr = null; syncControls(); applyToRuns("lr", lr()); });
$("lr").addEventListener("change", () => { saveState(); refreshOverlay(); });
$("lrv").addEventListener("change", () => {
  const v = Number($("lrv").value);
  if (!(v > 0 && v <= 10)) { showSettingsError({ error: "the learning rate must be a number above 0 and at most 10" }); return; }
  exactLr = v; $("lr").value = Math.log10(v); applyToRuns("lr", v); refreshOverlay();
});
$("epochs").addEventListener("change", () => {
  const v = epochsValue();
  if (!Number.isInteger(v) || v < 1 || v > 100000) { showSettingsError({ error: "epochs must be a whole number from 1 to 100000" }); return; }
  showSettingsError(null); applyToRuns("epochs", v); refreshOverlay();
});
$("ascent").addEventListener("change", () => { applyToRuns("ascent", $("ascent").checked); refreshOverlay(); });
for (const id of ["momentum", "beta1", "beta2"]) $(id).addEventListener("input", () => {
  const v = Number($(id).value);
  if (Number.isFinite(v)) { for (const r of state.runs) if (id in r.settings) r.settings[id] = v; recompute(); }
});
$("overlay").addEventListener("change", async () => { if ($("overlay").checked) await loadBasins(); else state.basins = null; draw(); saveState(); });
$("png").onclick = () => { const a = document.createElement("a"); a.href = canvas.toDataURL("image/png"); a.download = "downhill.png"; a.click(); };
$("json").onclick = () => download("runs.json", JSON.stringify(computed().map((r) => r.report), null, 1), "application/json");
$("csv").onclick = () => download("runs.csv", "run,epoch,x,y\n" + computed().map((r, k) => [r.report.start, ...r.report.trajectory].map((p, e) => `${k},${e},${p[0]},${p[1]}`).join("\n")).join("\n"), "text/csv");
$("clear").onclick = () => { state.runs = []; renderRuns(); draw(); saveState(); };

(async function init() {
  const [fns, optimizers] = await Promise.all([api("/api/functions"), api("/api/optimizers")]);
  state.catalog = fns; state.optimizers = optimizers;
  const s = new URLSearchParams(location.hash.slice(1));
  for (const f of fns) { const o = document.createElement("option"); o.value = o.textContent = f.name; $("catalog").append(o); }
  const custom = document.createElement("option"); custom.value = "custom"; custom.textContent = "custom"; $("catalog").append(custom);
  for (const m of optimizers) {
    const o = document.createElement("option"); o.value = m.name; o.textContent = m.name; o.title = m.title; $("optimizer").append(o);
    const l = document.createElement("label"), c = document.createElement("input");
    c.type = "checkbox"; c.value = m.name; c.addEventListener("change", saveState);
    l.title = m.title; l.append(c, " " + m.name); $("race-list").append(l);
  }
  for (const name of (s.get("race") || "").split(",")) { const c = document.querySelector(`#race-list input[value="${CSS.escape(name)}"]`); if (c) c.checked = true; }
  if (s.get("opt")) $("optimizer").value = s.get("opt");
  if (s.get("lr")) { exactLr = Number(s.get("lr")); $("lr").value = Math.log10(exactLr); }
  if (s.get("epochs")) $("epochs").value = s.get("epochs");
  if (s.get("view")) { const [e, a] = s.get("view").split(",").map(Number); if (Number.isFinite(e) && Number.isFinite(a)) { view.elev = e; view.azim = a; } }
  $("ascent").checked = s.get("ascent") === "1"; $("overlay").checked = s.get("overlay") === "1";
  syncControls();
  const fn = s.get("f") || "peaks";
  let saved = [];
  try { saved = JSON.parse(s.get("runs") || "[]"); } catch { saved = []; }
  await loadFunction(fn, Array.isArray(saved) ? saved.filter((r) => r && Array.isArray(r.start)) : []);
})();