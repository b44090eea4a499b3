// The 2-D plot: the landscape in colour with a ticked colour bar (linear or log), contour lines, the gradient
// field, the basin overlay, the runs with their start and end marks, where a run leaves the view, and the
// legend. The canvas has as many pixels as the screen (devicePixelRatio) and its text is in CSS pixels, so it is
// sharp on HiDPI screens and grows with the browser's zoom; x and y have the same scale (equal aspect).
import { scaleLinear, scaleLog, interpolateViridis, contours } from "/vendor/d3.js";
import { state, computed } from "./state.js";
import { basinLegend, attractorMarks, hexRgb } from "./basins.js";

const canvas = document.getElementById("plot"), ctx = canvas.getContext("2d");
const INK = "#1d232a", FONT = "13px system-ui, sans-serif";
// Margins in CSS pixels: the y ticks on the left, the x ticks below, the colour bar on the right.
const M = { left: 56, right: 96, top: 14, bottom: 42 };
// Plot size in drawing units, the device pixels per CSS pixel, and CSS pixels per drawing unit (1; larger in
// presentation mode, where text, lines and margins all grow together).
const size = { w: 880, h: 660, dpr: 1, zoom: 1 };
// The colour scale of the landscape (see colourScale), its 256 colours, the landscape as an image, the contours.
let scale = null, image = null, lines = null;
const LUT = Array.from({ length: 256 }, (_, i) => hexRgb(interpolateViridis(i / 255)));

export const plotRect = () => ({ x: M.left, y: M.top, w: size.w - M.left - M.right, h: size.h - M.top - M.bottom });
// The aspect (height over width) of the domain, held between 1:2 and 3:2 so that a long thin domain stays usable.
export const aspect = (d) => Math.min(1.5, Math.max(0.5, (d[3] - d[2]) / (d[1] - d[0])));

// Sizes the canvas to its box: as wide as the page gives it and the window's height allows, as high as equal
// aspect needs; true if it changed.
export function layout() {
  const dpr = window.devicePixelRatio || 1, d = state.land ? state.land.domain : [0, 1, 0, 0.75];
  const zoom = state.presenting ? 1.6 : 1;
  let w = Math.max(240, Math.round((canvas.parentElement.clientWidth - 24) / zoom));
  const right = w < 480 ? 72 : 96;
  // No taller than the window less room for what is under it: the readout and the player (at least 280 high).
  const tallest = Math.max(280, (window.innerHeight - (state.presenting ? 100 : 110)) / zoom);
  w = Math.min(w, Math.round((tallest - M.top - M.bottom) / aspect(d) + M.left + right));
  const h = Math.round((w - M.left - right) * aspect(d) + M.top + M.bottom);
  if (w === size.w && h === size.h && dpr === size.dpr && zoom === size.zoom && right === M.right) return false;
  Object.assign(size, { w, h, dpr, zoom }); M.right = right;
  canvas.width = Math.round(w * zoom * dpr); canvas.height = Math.round(h * zoom * dpr);
  canvas.style.width = Math.round(w * zoom) + "px"; canvas.style.height = Math.round(h * zoom) + "px";
  lines = null;
  return true;
}

const toPx = (p) => { const d = state.land.domain, r = plotRect(); return [r.x + (p[0] - d[0]) / (d[1] - d[0]) * r.w, r.y + (d[3] - p[1]) / (d[3] - d[2]) * r.h]; };
// The point under a mouse event, or null outside the plot.
export function eventToData(ev) {
  if (!state.land) return null;
  const b = canvas.getBoundingClientRect(), px = (ev.clientX - b.left) * size.w / b.width, py = (ev.clientY - b.top) * size.h / b.height;
  const r = plotRect(), d = state.land.domain;
  if (px < r.x || px > r.x + r.w || py < r.y || py > r.y + r.h) return null;
  return [d[0] + (px - r.x) / r.w * (d[1] - d[0]), d[3] - (py - r.y) / r.h * (d[3] - d[2])];
}

// The colour scale of a landscape: t(v) in [0, 1]; its ticks for the bar and its title. The log scale is of
// f - f_min + δ (δ 1e-5 of the range: five decades), so that it works whatever the sign of f; its ticks are values
// u of f - f_min (at(u) is the f of a tick). A flat landscape gets a unit range.
function colourScale(land, log) {
  const lo = land.min ?? 0, span = (land.max ?? 1) - lo || 1;
  if (!log) {
    const s = scaleLinear().domain([lo, lo + span]).clamp(true);
    return { t: s, ticks: s.ticks(6), at: (v) => v, format: s.tickFormat(6), title: "f(x, y)", levels: s.ticks(14) };
  }
  const delta = span * 1e-5, s = scaleLog().domain([delta, span + delta]).clamp(true);
  const decades = s.ticks().filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  return {
    t: (v) => s(v - lo + delta), ticks: decades.length >= 2 ? decades : s.ticks(6), at: (u) => u + lo,
    format: (v) => (v >= 1e4 || v < 1e-3 ? v.toExponential(0) : String(+v.toPrecision(3))),
    title: `f − f_min (log), f_min ${+lo.toPrecision(4)}`, levels: s.ticks(), log: true,
  };
}

// A new landscape (or the log scale switched): its colours and contours are made again.
export function setLandscape(land) {
  scale = colourScale(land, state.show.log); lines = null;
  const img = new ImageData(land.width, land.height);
  land.values.forEach((v, i) => { const c = v === null ? [200, 200, 200] : LUT[Math.round(scale.t(v) * 255)]; img.data.set([c[0], c[1], c[2], 255], i * 4); });
  const off = document.createElement("canvas"); off.width = land.width; off.height = land.height;
  off.getContext("2d").putImageData(img, 0, 0);
  image = off;
}

// The contour lines of the landscape at the colour scale's levels, as one path in CSS pixels.
function contourPath() {
  if (lines) return lines;
  const land = state.land, r = plotRect(), sx = r.w / land.width, sy = r.h / land.height;
  const t = land.values.map((v) => (v === null ? null : scale.t(v)));
  const levels = scale.levels.map((v) => scale.t(scale.at(v))).filter((v) => v > 0 && v < 1);
  const path = new Path2D();
  for (const c of contours().size([land.width, land.height]).thresholds([...new Set(levels)])(t))
    for (const polygon of c.coordinates) for (const ring of polygon)
      ring.forEach(([x, y], k) => (k ? path.lineTo : path.moveTo).call(path, r.x + x * sx, r.y + y * sy));
  return (lines = path);
}

// Draws everything, the runs up to the race clock's epoch.
export function drawPlot() {
  ctx.setTransform(size.dpr * size.zoom, 0, 0, size.dpr * size.zoom, 0, 0);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size.w, size.h);
  if (!state.land || !image) return;
  const r = plotRect();
  ctx.imageSmoothingEnabled = true; ctx.drawImage(image, r.x, r.y, r.w, r.h);
  if (state.basins) { ctx.imageSmoothingEnabled = false; ctx.drawImage(state.basins.image, r.x, r.y, r.w, r.h); }
  ctx.save(); ctx.beginPath(); ctx.rect(r.x, r.y, r.w, r.h); ctx.clip();
  if (state.show.contours) { ctx.strokeStyle = "rgba(255, 255, 255, 0.75)"; ctx.lineWidth = 1; ctx.stroke(contourPath()); }
  if (state.show.field && state.field) field();
  if (state.basins) attractorMarks(ctx, toPx);
  if (state.cursor) cursor();
  ctx.restore();
  axes(); colourBar();
  for (const run of computed()) drawRun(run, state.clock.epoch);
  legend();
  if (state.basins) basinLegend(ctx, plotRect());
}

// The x and y axes with nice ticks (d3's: 1, 2 or 5 times a power of ten).
function axes() {
  const d = state.land.domain, r = plotRect();
  ctx.strokeStyle = INK; ctx.lineWidth = 1; ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
  ctx.fillStyle = INK; ctx.font = FONT;
  const x = scaleLinear().domain([d[0], d[1]]).range([r.x, r.x + r.w]), y = scaleLinear().domain([d[2], d[3]]).range([r.y + r.h, r.y]);
  const n = Math.max(2, Math.round(r.w / 80)), fx = x.tickFormat(n), fy = y.tickFormat(n);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of x.ticks(n)) { const px = Math.round(x(v)) + 0.5; ctx.beginPath(); ctx.moveTo(px, r.y + r.h); ctx.lineTo(px, r.y + r.h + 5); ctx.stroke(); ctx.fillText(fx(v), px, r.y + r.h + 7); }
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of y.ticks(n)) { const py = Math.round(y(v)) + 0.5; ctx.beginPath(); ctx.moveTo(r.x - 5, py); ctx.lineTo(r.x, py); ctx.stroke(); ctx.fillText(fy(v), r.x - 7, py); }
  ctx.textAlign = "center"; ctx.textBaseline = "alphabetic";
  ctx.fillText("x", r.x + r.w / 2, size.h - 6);
  ctx.fillText("y", 12, r.y + r.h / 2);
}

// The colour bar with its ticks and title.
function colourBar() {
  const r = plotRect(), bx = r.x + r.w + 12, bw = 12;
  for (let j = 0; j < r.h; j++) { const c = LUT[Math.round((1 - j / r.h) * 255)]; ctx.fillStyle = `rgb(${c})`; ctx.fillRect(bx, r.y + j, bw, 1.5); }
  ctx.strokeStyle = INK; ctx.strokeRect(bx + 0.5, r.y + 0.5, bw - 1, r.h - 1);
  ctx.fillStyle = INK; ctx.font = FONT; ctx.textAlign = "left"; ctx.textBaseline = "middle";
  let last = -Infinity;
  for (const v of scale.ticks) {
    const py = r.y + r.h - scale.t(scale.at(v)) * r.h;
    if (Math.abs(py - last) < 14) continue; last = py;
    ctx.beginPath(); ctx.moveTo(bx + bw, py); ctx.lineTo(bx + bw + 4, py); ctx.stroke();
    ctx.fillText(scale.format(v), bx + bw + 6, py);
  }
  ctx.save(); ctx.translate(size.w - 8, r.y + r.h / 2); ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center"; ctx.textBaseline = "bottom"; ctx.font = "12px system-ui, sans-serif"; ctx.fillStyle = "#5b6672";
  ctx.fillText(scale.title, 0, 0, r.h); ctx.restore();
}

// The keyboard's start cursor (arrow keys move it, Enter starts there): a ring with a cross.
function cursor() {
  const [x, y] = toPx(state.cursor);
  for (const [colour, width] of [["#fff", 4], [INK, 2]]) {
    ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath(); ctx.arc(x, y, 9, 0, 7);
    ctx.moveTo(x - 15, y); ctx.lineTo(x - 5, y); ctx.moveTo(x + 5, y); ctx.lineTo(x + 15, y);
    ctx.moveTo(x, y - 15); ctx.lineTo(x, y - 5); ctx.moveTo(x, y + 5); ctx.lineTo(x, y + 15); ctx.stroke();
  }
}

// The direction of steepest descent, -∇f, as arrows of one length on a coarse grid (state.field from /api/eval).
function field() {
  const { points, gradients, cell } = state.field, r = plotRect(), d = state.land.domain;
  const len = 0.38 * cell * r.w / (d[1] - d[0]);
  ctx.lineWidth = 1.4; ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
  points.forEach((p, k) => {
    const g = gradients[k]; if (!g || g[0] === null || g[1] === null) return;
    const n = Math.hypot(g[0], g[1]); if (!(n > 0)) return;
    const [cx, cy] = toPx(p), ux = -g[0] / n, uy = g[1] / n; // screen y points down
    const ax = cx + ux * len, ay = cy + uy * len, bx = cx - ux * len, by = cy - uy * len;
    ctx.beginPath(); ctx.moveTo(bx, by); ctx.lineTo(ax, ay);
    ctx.moveTo(ax - ux * 4 - uy * 3, ay - uy * 4 + ux * 3); ctx.lineTo(ax, ay); ctx.lineTo(ax - ux * 4 + uy * 3, ay - uy * 4 - ux * 3);
    ctx.stroke();
  });
}

// Where a path first leaves the domain: the crossing of the border (`at`), the point beyond (`toward`) and its
// index, or null.
const within = (p, d) => p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3];
function exitOf(pts, d) {
  const inside = (p) => within(p, d);
  for (let k = 1; k < pts.length; k++) {
    if (inside(pts[k])) continue;
    const a = pts[k - 1], b = pts[k];
    if (!inside(a) || !b.every(Number.isFinite)) return { at: a, toward: b, index: k };
    let t = 1; // the largest part of the segment a→b that stays inside
    for (const [i, lo, hi] of [[0, d[0], d[1]], [1, d[2], d[3]]]) {
      const dv = b[i] - a[i];
      if (dv > 0 && b[i] > hi) t = Math.min(t, (hi - a[i]) / dv);
      if (dv < 0 && b[i] < lo) t = Math.min(t, (lo - a[i]) / dv);
    }
    return { at: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], toward: b, index: k };
  }
  return null;
}

// The points of a run up to epoch `epoch` (null: all), the last one between two updates for a fractional epoch.
export function pathTo(rep, epoch) {
  const all = [rep.start, ...rep.trajectory];
  if (epoch === null || epoch >= all.length - 1) return all;
  const k = Math.max(0, Math.floor(epoch)), f = Math.max(0, epoch - k), pts = all.slice(0, k + 1);
  if (f > 0) { const a = all[k], b = all[k + 1]; pts.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]); }
  return pts;
}

// A run up to epoch `epoch`: its path, its start, and its end or (while the clock runs) a ball where it is.
function drawRun(run, epoch) {
  const rep = run.report, d = state.land.domain, r = plotRect(), diverged = rep.termination === "diverged";
  let pts = pathTo(rep, epoch);
  const moving = epoch !== null && epoch < rep.trajectory.length;
  const exit = exitOf(pts, d), last = pts[pts.length - 1];
  // A diverged run is drawn up to where it leaves (its later points are far off, their segments meaningless).
  if (exit && diverged) pts = [...pts.slice(0, exit.index), exit.at];
  ctx.save(); ctx.beginPath(); ctx.rect(r.x, r.y, r.w, r.h); ctx.clip();
  ctx.strokeStyle = run.color; ctx.lineWidth = 2; ctx.beginPath();
  pts.forEach((p, i) => { const [x, y] = toPx(p); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); }); ctx.stroke();
  const [sx, sy] = toPx(pts[0]); ctx.fillStyle = "#1f3bd6"; ctx.fillRect(sx - 4, sy - 4, 8, 8);
  if (within(last, d) && !(exit && diverged)) {
    const [ex, ey] = toPx(last); ctx.fillStyle = run.color; ctx.beginPath(); ctx.arc(ex, ey, moving ? 7 : 5, 0, 7); ctx.fill();
    ctx.strokeStyle = moving ? INK : "#fff"; ctx.lineWidth = moving ? 2 : 1.5; ctx.stroke();
  }
  ctx.restore();
  if (exit) leaves(run, exit, diverged);
}

// A run that leaves the view: a triangle at the border pointing where it went, in its colour, with a cross
// when it diverged.
function leaves(run, exit, diverged) {
  const [x, y] = toPx(exit.at), [tx, ty] = toPx(exit.toward.map((v, i) => (Number.isFinite(v) ? v : exit.at[i])));
  let ux = tx - x, uy = ty - y; const n = Math.hypot(ux, uy) || 1; ux /= n; uy /= n;
  ctx.fillStyle = run.color; ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5;
  ctx.beginPath(); ctx.moveTo(x + ux * 9, y + uy * 9); ctx.lineTo(x - ux * 5 - uy * 7, y - uy * 5 + ux * 7); ctx.lineTo(x - ux * 5 + uy * 7, y - uy * 5 - ux * 7); ctx.closePath(); ctx.fill(); ctx.stroke();
  if (diverged) { ctx.strokeStyle = INK; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(x - 3, y - 3); ctx.lineTo(x + 3, y + 3); ctx.moveTo(x + 3, y - 3); ctx.lineTo(x - 3, y + 3); ctx.stroke(); }
}

// The legend, on the plot (so that a PNG carries it): each run's colour, optimizer and learning rate.
function legend() {
  const all = computed(), shown = all.slice(0, 8);
  if (!shown.length) return;
  const more = all.length - shown.length, r = plotRect();
  ctx.font = FONT; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
  const text = shown.map((run) => `${run.settings.optimizer}  lr ${+run.report.learning_rate.toPrecision(3)}` + (run.report.termination === "diverged" ? "  diverged" : ""));
  if (more > 0) text.push(`and ${more} more`);
  const w = Math.max(...text.map((t) => ctx.measureText(t).width)) + 40, h = text.length * 18 + 10;
  const x = r.x + 8, y = r.y + 8;
  ctx.fillStyle = "rgba(255, 255, 255, 0.9)"; ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#8a949e"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
  text.forEach((t, k) => {
    const ly = y + 14 + k * 18;
    if (k < shown.length) { ctx.strokeStyle = shown[k].color; ctx.lineWidth = 3; ctx.beginPath(); ctx.moveTo(x + 8, ly - 4); ctx.lineTo(x + 28, ly - 4); ctx.stroke(); }
    ctx.fillStyle = INK; ctx.fillText(t, x + 34, ly);
  });
}

// The plot as a PNG at twice the screen's resolution, with the formula under it.
export function pngAt2x(formula) {
  const keep = { ...size }, dpr = 2 / size.zoom; // twice the CSS pixels on screen
  size.dpr = dpr; canvas.width = Math.round(size.w * size.zoom * dpr); canvas.height = Math.round(size.h * size.zoom * dpr); lines = null;
  drawPlot();
  const k = dpr * size.zoom, out = document.createElement("canvas"); out.width = canvas.width; out.height = canvas.height + Math.round(30 * k);
  const g = out.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, out.width, out.height); g.drawImage(canvas, 0, 0);
  g.scale(k, k); g.fillStyle = INK; g.font = FONT; g.textBaseline = "middle"; g.fillText("f(x, y) = " + formula, M.left, size.h + 14, size.w - M.left - 8);
  Object.assign(size, keep); canvas.width = Math.round(size.w * size.zoom * size.dpr); canvas.height = Math.round(size.h * size.zoom * size.dpr); lines = null;
  drawPlot();
  return out.toDataURL("image/png");
}
