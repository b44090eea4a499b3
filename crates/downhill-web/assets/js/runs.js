// The runs: started by a click (one optimizer, or a race of several from one point), computed again when a
// setting or the function changes, listed in the table with their own settings, exported as CSV and JSON.
import { api } from "./api.js";
import { state, computed, newRun, writeAddress } from "./state.js";
import { $, clickSettings, controlValues, showSettingsError, isDefault } from "./controls.js";
import { drawPlot } from "./plot.js";
import { draw3d } from "./view3d.js";
import { drawLoss } from "./loss.js";
import { play, syncPlayer } from "./anim.js";

// Every picture of the runs (plot, 3-D view, loss chart, player) at the race clock's epoch.
export function drawAll() { drawPlot(); draw3d(); drawLoss(); syncPlayer(); }

// Everything that shows the runs, drawn again, and the address brought up to date.
export function refresh() {
  renderRuns(); drawAll(); writeAddress(controlValues());
}

// Every run of one request, with f and the gradient along each path (for the CSV).
const request = (runs) => api("/api/runs", { function: state.fn, runs, history: true });

// A click at `start`: the runs it starts, all in one request; the race clock plays every run from epoch 0.
export async function startRun(start) {
  const all = clickSettings(start);
  try {
    const { runs: reports } = await request(all);
    showSettingsError(null);
    reports.forEach((report, k) => { const run = newRun(all[k]); run.report = report; state.runs.push(run); });
    renderRuns(); writeAddress(controlValues());
    play(0);
  } catch (e) { showSettingsError(e); }
}

// Every run computed again (a slider moved, the function changed): one request for all of them; while one is
// in flight, only the latest wish waits, so a dragged slider redraws as fast as the server answers.
let recomputing = false, again = false;
export async function recompute() {
  if (recomputing) { again = true; return; }
  recomputing = true;
  try {
    do {
      again = false;
      if (!state.runs.length) break;
      const fn = state.fn, runs = state.runs.slice(), t0 = performance.now();
      try {
        const answer = await request(runs.map((r) => r.settings));
        if (fn === state.fn) { answer.runs.forEach((report, k) => { runs[k].report = report; }); showSettingsError(null); }
      } catch (e) { showSettingsError(e); }
      refresh();
      // From the request to every run drawn again (the e2e reports it: one step of a dragged slider).
      performance.measure("recompute", { start: t0, end: performance.now() });
    } while (again);
  } finally { recomputing = false; }
}

// A setting changed (learning rate, epochs, ascent): every run takes it (each keeps its own optimizer), and
// all are computed again.
export function applyToRuns(name, value) {
  for (const r of state.runs) r.settings[name] = value;
  return recompute();
}

// An optimizer's own setting changed: the runs of that optimizer take it, and all are computed again.
export function applyOption(optimizer, name, value) {
  for (const r of state.runs) {
    if (r.settings.optimizer !== optimizer) continue;
    if (isDefault(optimizer, name, value)) delete r.settings[name]; else r.settings[name] = value;
  }
  return recompute();
}

export function clearRuns() { state.runs = []; refresh(); }

const esc = (t) => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;");
const fmt = (v) => (v === null ? "–" : (Math.abs(v) < 1e-4 && v !== 0) || Math.abs(v) >= 1e6 ? v.toExponential(2) : +v.toPrecision(5));

function renderRuns() {
  const tb = $("runs").tBodies[0]; tb.innerHTML = "";
  state.runs.forEach((r, k) => {
    const p = r.report, q = r.settings, tr = tb.insertRow();
    const result = p ? `<td>(${fmt(p.end[0])}, ${fmt(p.end[1])})</td><td>${fmt(p.value)}</td><td>${p.termination}</td><td>${p.stationary_point}</td>`
      : `<td colspan="4">not computed: see the message above</td>`;
    const own = Object.keys(q).filter((k) => !["start", "optimizer", "lr", "epochs", "ascent"].includes(k)).map((k) => `${k} ${q[k]}`).join(", ");
    tr.innerHTML = `<td class="swatch"><span style="background:${r.color}"></span></td><td>${q.optimizer}${own ? ` <small>(${esc(own)})</small>` : ""}</td><td>${fmt(p ? p.learning_rate : q.lr)}</td><td>${q.epochs}</td>` +
      `<td>(${fmt(q.start[0])}, ${fmt(q.start[1])})</td>` + result +
      `<td><button aria-label="remove run">✕</button></td>`;
    tr.querySelector("button").onclick = () => { state.runs.splice(k, 1); refresh(); };
  });
  // Runs that diverged: a hint to lower their learning rate.
  const gone = computed().filter((r) => r.report.termination === "diverged");
  $("hint").textContent = gone.length ? [...new Set(gone.map((r) => `${r.settings.optimizer} at lr ${fmt(r.report.learning_rate)}`))].join(", ") +
    ` diverged: lower the learning rate (try ${fmt(Math.min(...gone.map((r) => r.report.learning_rate)) / 10)}).` : "";
}

// The runs as CSV, a row per point of each path (the command line's --csv columns, with the run's optimizer
// and learning rate), and as JSON (the API's reports).
export function runsCsv() {
  const rows = ["run,optimizer,lr,epoch,x,y,value,grad_x,grad_y"];
  computed().forEach((r, k) => {
    const rep = r.report;
    [rep.start, ...rep.trajectory].forEach((p, e) => {
      const g = rep.gradients ? rep.gradients[e] : [null, null], v = rep.values ? rep.values[e] : null;
      rows.push([k, r.settings.optimizer, rep.learning_rate, e, p[0], p[1], v ?? "", g[0] ?? "", g[1] ?? ""].join(","));
    });
  });
  return rows.join("\n") + "\n";
}
export const runsJson = () => JSON.stringify(computed().map((r) => r.report), null, 1);
