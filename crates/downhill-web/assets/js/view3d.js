// The 3-D view: the landscape as shaded quads drawn back to front, orthographic, with matplotlib's elevation and
// azimuth (state.view), and the runs lifted onto the surface. Drag or the arrow keys turn it.
import { interpolateViridis } from "/vendor/d3.js";
import { state, computed } from "./state.js";
import { pathTo } from "./plot.js";

const c3 = document.getElementById("view3d"), g3 = c3.getContext("2d");
let mesh = null, surface = null;
const size = { w: 0, h: 0, dpr: 1 };

export function setMesh(m) { mesh = m; draw3d(); }

// Sizes the canvas to its box at the screen's pixel density.
function layout() {
  const dpr = window.devicePixelRatio || 1, w = Math.max(200, Math.round(c3.clientWidth || 296)), h = Math.round(w * 0.78);
  if (w === size.w && h === size.h && dpr === size.dpr) return;
  Object.assign(size, { w, h, dpr });
  c3.width = Math.round(w * dpr); c3.height = Math.round(h * dpr); c3.style.height = h + "px";
}

export function draw3d() {
  layout();
  g3.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
  g3.fillStyle = "#fff"; g3.fillRect(0, 0, size.w, size.h);
  const m = mesh; if (!m || m.min === null) return;
  const d = m.domain, span = (m.max - m.min) || 1;
  const e = state.view.elev * Math.PI / 180, a = state.view.azim * Math.PI / 180;
  const right = [-Math.sin(a), Math.cos(a), 0], up = [-Math.sin(e) * Math.cos(a), -Math.sin(e) * Math.sin(a), Math.cos(e)];
  const toward = [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)];
  const zoom = Math.min(size.w, size.h * 1.2) * 0.62, cx = size.w / 2, cy = size.h / 2;
  const unit = (x, y, z) => [(x - d[0]) / (d[1] - d[0]) - 0.5, (y - d[2]) / (d[3] - d[2]) - 0.5, ((Math.min(m.max, Math.max(m.min, z)) - m.min) / span - 0.5) * 0.75];
  const dot = (u, v) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const screen = (p) => [cx + zoom * dot(right, p), cy - zoom * dot(up, p)];
  const node = (i, j) => { // j = 0 is ymax in the landscape's rows
    const v = m.values[j * m.width + i];
    const x = d[0] + (d[1] - d[0]) * (i + 0.5) / m.width, y = d[3] - (d[3] - d[2]) * (j + 0.5) / m.height;
    return v === null ? null : { p: unit(x, y, v), v };
  };
  // The surface depends only on the mesh, the angle and the size: drawn once into a canvas of its own, so that
  // redrawing the runs (a slider, the race's clock) costs only the runs.
  const key = `${state.view.elev},${state.view.azim},${size.w},${size.h},${size.dpr}`;
  if (!surface || surface.key !== key || surface.mesh !== m) {
    const off = document.createElement("canvas"); off.width = c3.width; off.height = c3.height;
    const g = off.getContext("2d"); g.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    drawSurface(g, m, node, dot, toward, screen, span);
    surface = { key, mesh: m, image: off };
  }
  g3.setTransform(1, 0, 0, 1, 0, 0); g3.drawImage(surface.image, 0, 0); g3.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
  const epoch = state.clock.epoch;
  for (const r of computed()) {
    const pts = pathTo(r.report, epoch).filter((p) => p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3]);
    const at = pts.map((p) => screen(unit(p[0], p[1], valueAt(p))));
    g3.strokeStyle = r.color; g3.lineWidth = 2; g3.beginPath();
    at.forEach(([x, y], k) => (k ? g3.lineTo(x, y) : g3.moveTo(x, y)));
    g3.stroke(); g3.lineWidth = 1;
    // The race's ball, where the run is at the clock's epoch.
    if (epoch !== null && epoch < r.report.trajectory.length && at.length) {
      const [x, y] = at[at.length - 1]; g3.fillStyle = r.color; g3.strokeStyle = "#1d232a"; g3.lineWidth = 1.5;
      g3.beginPath(); g3.arc(x, y, 5, 0, 7); g3.fill(); g3.stroke(); g3.lineWidth = 1;
    }
  }
}

// The surface as shaded quads, back to front.
function drawSurface(g3, m, node, dot, toward, screen, span) {
  const quads = [];
  for (let j = 0; j + 1 < m.height; j++) for (let i = 0; i + 1 < m.width; i++) {
    const q = [node(i, j), node(i + 1, j), node(i + 1, j + 1), node(i, j + 1)];
    if (q.some((n) => n === null)) continue;
    const centre = [0, 1, 2].map((k) => q.reduce((s, n) => s + n.p[k], 0) / 4);
    quads.push({ depth: dot(toward, centre), q, v: q.reduce((s, n) => s + n.v, 0) / 4 });
  }
  quads.sort((p, q) => p.depth - q.depth);
  for (const { q, v } of quads) {
    g3.fillStyle = g3.strokeStyle = interpolateViridis((v - m.min) / span);
    g3.beginPath(); q.forEach((n, k) => { const [x, y] = screen(n.p); k ? g3.lineTo(x, y) : g3.moveTo(x, y); }); g3.closePath(); g3.fill(); g3.stroke();
  }
}

// f at a point from the 2-D landscape's samples (the nearest), to lift paths onto the surface.
function valueAt(p) {
  const l = state.land, d = l.domain;
  const i = Math.min(l.width - 1, Math.max(0, Math.floor((p[0] - d[0]) / (d[1] - d[0]) * l.width)));
  const j = Math.min(l.height - 1, Math.max(0, Math.floor((d[3] - p[1]) / (d[3] - d[2]) * l.height)));
  const v = l.values[j * l.width + i];
  return v === null ? l.min : v;
}

// Turning by drag and by the arrow keys; `done` is called when a turn ends (to keep the angle in the address).
export function initView3d(done) {
  let dragging = null;
  c3.addEventListener("pointerdown", (ev) => { dragging = [ev.clientX, ev.clientY]; c3.setPointerCapture(ev.pointerId); });
  c3.addEventListener("pointermove", (ev) => {
    if (!dragging) return;
    state.view.azim -= (ev.clientX - dragging[0]) * 0.5; state.view.elev = Math.max(-90, Math.min(90, state.view.elev + (ev.clientY - dragging[1]) * 0.5));
    dragging = [ev.clientX, ev.clientY]; draw3d();
  });
  c3.addEventListener("pointerup", () => { dragging = null; done(); });
  c3.addEventListener("keydown", (ev) => {
    const k = { ArrowLeft: [0, 10], ArrowRight: [0, -10], ArrowUp: [5, 0], ArrowDown: [-5, 0] }[ev.key];
    if (k) { ev.preventDefault(); state.view.elev = Math.max(-90, Math.min(90, state.view.elev + k[0])); state.view.azim += k[1]; draw3d(); done(); }
  });
}
