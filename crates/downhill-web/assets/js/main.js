// The explorer's entry: loads a function (landscape, gradient, mesh, overlay, field), wires the controls, and
// rebuilds the view from the address.
import { api } from "./api.js";
import { state, newRun, readAddress, writeAddress, optimizerInfo } from "./state.js";
import { $, lr, setLr, epochsValue, controlValues, syncControls, showError, showSettingsError, renderOptions, remember } from "./controls.js";
import { layout, setLandscape, drawPlot, eventToData, aspect, pngAt2x } from "./plot.js";
import { setMesh, initView3d, viewChanged } from "./view3d.js";
import { loadBasins } from "./basins.js";
import { startRun, recompute, applyToRuns, applyOption, clearRuns, runsCsv, runsJson, drawAll } from "./runs.js";
import { initPlayer } from "./anim.js";
import { initPresentation } from "./present.js";
import { drawLoss } from "./loss.js";

const save = () => writeAddress(controlValues());

// Shows function `fn` (a catalog name or an expression). The runs keep their starts and settings and are
// computed again on the new landscape; `saved` are runs' settings to rebuild (from the address).
async function loadFunction(fn, saved) {
  const diff = await api("/api/diff", { function: fn });
  const probe = (state.catalog.find((f) => f.name === fn) || {}).domain || [-3, 3, -3, 3];
  const land = await api("/api/landscape", { function: fn, width: 256, height: Math.round(256 * aspect(probe)) });
  state.fn = fn; state.land = land; state.basins = null; state.field = null;
  const entry = state.catalog.find((f) => f.name === fn);
  $("catalog").value = entry ? fn : "custom";
  if (entry) $("expr").value = land.expression; else if ($("expr").value.trim() !== fn) $("expr").value = fn;
  if (saved) state.runs = saved.map(newRun);
  $("gradient").textContent = "∂f/∂x = " + diff.gradient[0] + "\n∂f/∂y = " + diff.gradient[1];
  layout(); setLandscape(land);
  if (!performance.getEntriesByName("first-landscape").length) {
    drawPlot(); performance.measure("first-landscape", { start: 0, end: performance.now() });
    initView3d(save); // three.js loads after the first picture
  }
  await Promise.all([$("overlay").checked ? loadBasins().catch(showSettingsError) : null, state.show.field ? loadField() : null]);
  drawPlot();
  await recompute();
  save();
  setMesh(await api("/api/landscape", { function: fn, width: 96, height: 96 }));
}

// -∇f on a grid of about 22 arrows across, from /api/eval.
async function loadField() {
  const d = state.land.domain, nx = 22, cell = (d[1] - d[0]) / nx, ny = Math.max(2, Math.round((d[3] - d[2]) / cell));
  const points = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) points.push([d[0] + (i + 0.5) * cell, d[2] + (j + 0.5) * (d[3] - d[2]) / ny]);
  const { gradients } = await api("/api/eval", { function: state.fn, points });
  state.field = { points, gradients, cell };
}

// The hover readout: x, y, f and the gradient under the pointer, one request at a time (the latest point waits).
let hovering = false, hoverNext = null;
async function readout(p) {
  if (hovering) { hoverNext = p; return; }
  hovering = true;
  try {
    for (; p; p = hoverNext, hoverNext = null) {
      const fn = state.fn, { values, gradients } = await api("/api/eval", { function: fn, points: [p] });
      const n = (v) => (v === null ? "undefined" : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
      const g = gradients[0];
      if (fn === state.fn) $("readout").textContent = `x ${n(p[0])}   y ${n(p[1])}   f ${n(values[0])}   ∇f (${n(g[0])}, ${n(g[1])})` + (g[0] === null || g[1] === null ? "" : `   |∇f| ${n(Math.hypot(g[0], g[1]))}`);
    }
  } catch { $("readout").textContent = ""; } finally { hovering = false; }
}

function download(name, href) { const a = document.createElement("a"); a.href = href; a.download = name; a.click(); }
const blob = (text, type) => URL.createObjectURL(new Blob([text], { type }));

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
const plot = $("plot");
plot.addEventListener("click", (ev) => { const p = eventToData(ev); if (p) startRun(p); });
plot.addEventListener("pointermove", (ev) => { const p = eventToData(ev); if (p) readout(p); });
plot.addEventListener("pointerleave", () => { hoverNext = null; $("readout").textContent = "Point at the landscape to read x, y, f and the gradient there."; });
plot.tabIndex = 0;
initPresentation({ redraw: drawPlot, relayout: () => { layout(); drawAll(); }, start: startRun });
const refreshOverlay = () => { if ($("overlay").checked) loadBasins().then(() => drawPlot(), showSettingsError); };
// A new run's optimizer; its learning rate starts at the method's default (1 for Newton and the line searches).
$("optimizer").addEventListener("change", () => {
  const m = optimizerInfo($("optimizer").value);
  if (m) setLr(m.default_lr);
  syncControls(); renderOptions(optionChanged); save(); refreshOverlay();
});
$("lr").addEventListener("input", () => { setLr(null); syncControls(); applyToRuns("lr", lr()); });
$("lr").addEventListener("change", () => { save(); refreshOverlay(); });
$("lrv").addEventListener("change", () => {
  const v = Number($("lrv").value);
  if (!(v > 0 && v <= 10)) { showSettingsError({ error: "the learning rate must be a number above 0 and at most 10" }); return; }
  setLr(v); applyToRuns("lr", v); refreshOverlay();
});
// Epochs: every run takes a valid value while it is typed or stepped; the message and the overlay wait for the
// change to be complete.
const validEpochs = (v) => Number.isInteger(v) && v >= 1 && v <= 100000 && $("epochs").value.trim() !== "";
$("epochs").addEventListener("input", () => { const v = epochsValue(); if (validEpochs(v)) { showSettingsError(null); applyToRuns("epochs", v); } });
$("epochs").addEventListener("change", () => {
  const v = epochsValue();
  if (!validEpochs(v)) { showSettingsError({ error: "epochs must be a whole number from 1 to 100000" }); return; }
  showSettingsError(null); applyToRuns("epochs", v); refreshOverlay(); save();
});
$("ascent").addEventListener("change", () => { applyToRuns("ascent", $("ascent").checked); refreshOverlay(); });
// The chosen optimizer's own settings: its runs take a new value at once, the overlay and address when done.
const optionChanged = (name, value, done) => {
  applyOption($("optimizer").value, name, value);
  if (done) { refreshOverlay(); save(); }
};
$("overlay").addEventListener("change", async () => {
  try { if ($("overlay").checked) await loadBasins(); else state.basins = null; } catch (e) { showSettingsError(e); }
  drawPlot(); save();
});
$("log").addEventListener("change", () => { state.show.log = $("log").checked; setLandscape(state.land); drawPlot(); save(); });
$("contours").addEventListener("change", () => { state.show.contours = $("contours").checked; drawPlot(); save(); });
$("field").addEventListener("change", async () => { state.show.field = $("field").checked; if (state.show.field && !state.field) await loadField(); drawPlot(); save(); });
$("png").onclick = () => download("downhill.png", pngAt2x($("expr").value));
$("json").onclick = () => download("runs.json", blob(runsJson(), "application/json"));
$("csv").onclick = () => download("runs.csv", blob(runsCsv(), "text/csv"));
$("clear").onclick = clearRuns;
initPlayer(drawAll);
for (const id of ["loss-what", "loss-log"]) $(id).addEventListener("change", () => { drawLoss(); save(); });
const resized = () => { if (state.land && layout()) drawAll(); else drawLoss(); };
new ResizeObserver(resized).observe(plot.parentElement);
window.addEventListener("resize", resized);

(async function init() {
  const [fns, optimizers] = await Promise.all([api("/api/functions"), api("/api/optimizers")]);
  state.catalog = fns; state.optimizers = optimizers;
  const a = readAddress();
  viewChanged();
  for (const f of fns) { const o = document.createElement("option"); o.value = o.textContent = f.name; $("catalog").append(o); }
  const custom = document.createElement("option"); custom.value = "custom"; custom.textContent = "custom"; $("catalog").append(custom);
  for (const m of optimizers) {
    const o = document.createElement("option"); o.value = m.name; o.textContent = m.name; o.title = m.title; $("optimizer").append(o);
    const l = document.createElement("label"), c = document.createElement("input");
    c.type = "checkbox"; c.value = m.name; c.checked = a.race.includes(m.name); c.addEventListener("change", save);
    l.title = m.title; l.append(c, " " + m.name); $("race-list").append(l);
  }
  if (a.optimizer) $("optimizer").value = a.optimizer;
  if (a.lr) setLr(a.lr);
  if (a.epochs) $("epochs").value = a.epochs;
  $("ascent").checked = a.ascent; $("overlay").checked = a.overlay;
  const [what, log] = a.loss.split(",");
  if (["f", "gap", "grad"].includes(what)) $("loss-what").value = what;
  $("loss-log").checked = log === "log";
  // Each optimizer's settings start where its runs in the address have them.
  for (const r of a.runs) for (const { name } of (optimizerInfo(r.optimizer) || { settings: [] }).settings) if (name in r) remember(r.optimizer, name, r[name]);
  syncControls(); renderOptions(optionChanged);
  await loadFunction(a.fn, a.runs);
})();
