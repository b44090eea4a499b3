// The loss chart: f, f - f* or the gradient norm of every run per epoch, on a linear or log axis, with the
// race clock's epoch marked. f* is the catalog's documented global minimum (maximum for an ascent), else the
// best value any run shown reached.
import { scaleLinear, scaleLog } from "/vendor/d3.js";
import { state, computed } from "./state.js";
import { $ } from "./controls.js";

const canvas = $("loss"), ctx = canvas.getContext("2d");
const M = { left: 62, right: 16, top: 26, bottom: 34 }, INK = "#1d232a", FONT = "12px system-ui, sans-serif";

// The reference value f* for the runs shown, and what it is.
function reference(runs) {
  const ascent = runs.some((r) => r.settings.ascent), entry = state.catalog.find((f) => f.name === state.fn);
  const known = entry && entry.extrema.find((e) => e.kind === (ascent ? "global_maximum" : "global_minimum"));
  if (known) return { value: known.value, what: ascent ? "the global maximum" : "the global minimum", ascent };
  const all = runs.flatMap((r) => r.report.values.filter((v) => v !== null));
  return { value: ascent ? Math.max(...all) : Math.min(...all), what: ascent ? "the highest f reached" : "the lowest f reached", ascent };
}

export function drawLoss() {
  const dpr = window.devicePixelRatio || 1, w = Math.max(240, canvas.parentElement.clientWidth - 24), h = 210;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); canvas.style.width = w + "px"; canvas.style.height = h + "px";
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  const runs = computed().filter((r) => r.report.values);
  ctx.font = FONT; ctx.fillStyle = INK;
  if (!runs.length) { ctx.textAlign = "center"; ctx.fillText("Each run's f per epoch appears here.", w / 2, h / 2); return; }
  const what = $("loss-what").value, log = $("loss-log").checked, ref = what === "gap" ? reference(runs) : null;
  const series = runs.map((r) => (what === "grad" ? r.report.gradients.map((g) => (g[0] === null || g[1] === null ? null : Math.hypot(g[0], g[1])))
    : what === "gap" ? r.report.values.map((v) => (v === null ? null : ref.ascent ? ref.value - v : v - ref.value)) : r.report.values));
  const n = Math.max(...series.map((s) => s.length)) - 1;
  const finite = series.flat().filter((v) => v !== null && Number.isFinite(v) && (!log || v > 0));
  if (!finite.length) { ctx.textAlign = "center"; ctx.fillText("Nothing to plot on a log axis: no value above 0.", w / 2, h / 2); return; }
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (lo === hi) { lo = log ? lo / 2 : lo - 1; hi = log ? hi * 2 : hi + 1; }
  const x = scaleLinear().domain([0, Math.max(1, n)]).range([M.left, w - M.right]);
  const y = (log ? scaleLog() : scaleLinear()).domain([lo, hi]).range([h - M.bottom, M.top]).nice();
  // Axes with round ticks.
  ctx.strokeStyle = INK; ctx.lineWidth = 1; ctx.strokeRect(M.left + 0.5, M.top + 0.5, w - M.left - M.right - 1, h - M.top - M.bottom - 1);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of x.ticks(Math.max(2, Math.round(w / 90)))) { if (Number.isInteger(t)) ctx.fillText(String(t), x(t), h - M.bottom + 5); }
  ctx.fillText("epoch", (M.left + w - M.right) / 2, h - 15);
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const yt = log ? y.ticks().filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9) : y.ticks(5);
  const fmt = log ? (v) => (v >= 1e-3 && v < 1e4 ? String(+v.toPrecision(1)) : v.toExponential(0).replace("e+", "e")) : y.tickFormat(5);
  for (const t of (yt.length >= 2 ? yt : y.ticks(4))) ctx.fillText(fmt(t), M.left - 5, y(t));
  ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
  ctx.fillText(what === "grad" ? "|∇f| per epoch" : what === "gap" ? `${ref.ascent ? "f* − f" : "f − f*"} per epoch (f* = ${+ref.value.toPrecision(6)}, ${ref.what})` : "f per epoch", M.left, 16);
  // Each run, at most two points per pixel column (the least and the most of each column's epochs).
  ctx.save(); ctx.beginPath(); ctx.rect(M.left, M.top, w - M.left - M.right, h - M.top - M.bottom); ctx.clip();
  const columns = Math.max(1, Math.round(w - M.left - M.right));
  runs.forEach((r, k) => {
    const s = series[k], per = Math.max(1, Math.ceil(s.length / columns));
    ctx.strokeStyle = r.color; ctx.lineWidth = 1.6; ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.length; i += per) {
      const chunk = s.slice(i, i + per).filter((v) => v !== null && Number.isFinite(v) && (!log || v > 0));
      if (!chunk.length) { pen = false; continue; }
      for (const v of per === 1 ? chunk : [Math.max(...chunk), Math.min(...chunk)]) {
        const py = Math.max(-1e4, Math.min(1e4, y(v)));
        pen ? ctx.lineTo(x(i), py) : ctx.moveTo(x(i), py); pen = true;
      }
    }
    ctx.stroke();
  });
  if (state.clock.epoch !== null) { ctx.strokeStyle = "#5b6672"; ctx.setLineDash([4, 3]); ctx.beginPath(); ctx.moveTo(x(state.clock.epoch), M.top); ctx.lineTo(x(state.clock.epoch), h - M.bottom); ctx.stroke(); }
  ctx.restore();
}
