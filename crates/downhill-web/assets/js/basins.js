// The basin overlay: which minimum (or maximum) each start of a 256x256 grid ends in, with the optimizer chosen
// and all its settings (learning rate, epochs, momentum, betas, ascent), in pastel colours of its own (the runs
// keep the saturated ones), and a legend on the plot with each attractor's kind, position, value and share, and
// the shares that diverged, did not converge or left the domain.
import { schemePastel1, schemePastel2 } from "/vendor/d3.js";
import { api } from "./api.js";
import { state } from "./state.js";
import { settingsFrom } from "./controls.js";

const PALETTE = [...schemePastel1.slice(0, 8), ...schemePastel2.slice(0, 7)];
// "#rrggbb" as [r, g, b].
export const hexRgb = (h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));
const DIVERGED = [40, 40, 40], UNCONVERGED = [255, 255, 255], LEFT = [120, 120, 120];
// The most point-steps of one map (the server's bound): past 256x256 at these epochs the grid gets coarser.
const MAX_POINT_STEPS = 327680000;
export const colourOf = (label) => (label >= 0 ? hexRgb(PALETTE[label % PALETTE.length]) : label === -1 ? DIVERGED : label === -3 ? LEFT : UNCONVERGED);

// Computes the overlay for the current function and controls; state.basins gets the image and the legend.
export async function loadBasins() {
  const { start, ...settings } = settingsFrom([0, 0]);
  const grid = Math.max(16, Math.min(256, Math.floor(Math.sqrt(MAX_POINT_STEPS / settings.epochs))));
  const t0 = performance.now();
  const b = await api("/api/basins", { function: state.fn, grid, precision: "f32", ...settings });
  const off = document.createElement("canvas"); off.width = off.height = grid;
  const g = off.getContext("2d"), img = g.createImageData(grid, grid);
  const colours = new Map(), px = img.data; // label -> colour, looked up once per label
  for (let j = 0; j < grid; j++) for (let i = 0; i < grid; i++) {
    const label = b.labels[(grid - 1 - j) * grid + i], o = (j * grid + i) * 4;
    let c = colours.get(label);
    if (!c) colours.set(label, (c = colourOf(label)));
    px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2]; px[o + 3] = 150;
  }
  g.putImageData(img, 0, 0);
  state.basins = { image: off, grid, attractors: b.attractors, settings, b };
  performance.measure("overlay", { start: t0, end: performance.now() });
}

// The overlay's legend, bottom left in the plot: the eight largest basins, then what is left.
export function basinLegend(ctx, r) {
  const b = state.basins.b, f = (v) => +v.toPrecision(3), pct = (v) => `${(100 * v).toFixed(1)}%`;
  const order = b.attractors.map((a, k) => [a, k]).sort((p, q) => q[0].fraction - p[0].fraction);
  const rows = order.slice(0, 8).map(([a, k]) => [colourOf(k), `${a.kind} (${f(a.point[0])}, ${f(a.point[1])})  f ${f(a.value)}  ${pct(a.fraction)}`]);
  if (order.length > 8) rows.push([null, `${order.length - 8} more: ${pct(order.slice(8).reduce((s, [a]) => s + a.fraction, 0))}`]);
  for (const [c, name, share] of [[DIVERGED, "diverged", b.diverged_fraction], [UNCONVERGED, "not converged", b.unconverged_fraction], [LEFT, "left the domain", b.left_domain_fraction]])
    if (share > 0) rows.push([c, `${name}  ${pct(share)}`]);
  const s = state.basins.settings;
  rows.unshift([null, `basins: ${s.optimizer}, lr ${f(s.lr)}, ${s.epochs} epochs, ${state.basins.grid}x${state.basins.grid}`]);
  ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "middle";
  const w = Math.min(r.w - 16, Math.max(...rows.map(([, t]) => ctx.measureText(t).width)) + 30), h = rows.length * 16 + 8;
  const x = r.x + 8, y = r.y + r.h - 8 - h;
  ctx.fillStyle = "rgba(255, 255, 255, 0.92)"; ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#8a949e"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
  rows.forEach(([c, t], k) => {
    const ly = y + 12 + k * 16;
    if (c) { ctx.fillStyle = `rgb(${c})`; ctx.fillRect(x + 8, ly - 5, 12, 10); ctx.strokeStyle = "#5b6672"; ctx.strokeRect(x + 8.5, ly - 4.5, 11, 9); }
    ctx.fillStyle = "#1d232a"; ctx.fillText(t, x + (c ? 26 : 8), ly, w - 30);
  });
}

// The attractors as diamonds in their basin's colour.
export function attractorMarks(ctx, toPx) {
  state.basins.attractors.forEach((a, k) => {
    const [x, y] = toPx(a.point);
    ctx.fillStyle = `rgb(${colourOf(k)})`; ctx.strokeStyle = "#1d232a"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 6, y); ctx.lineTo(x, y + 6); ctx.lineTo(x - 6, y); ctx.closePath(); ctx.fill(); ctx.stroke();
  });
}
