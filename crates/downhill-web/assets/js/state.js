// The explorer's state (the function, its landscape, the runs with their own settings, what the plot shows, the
// 3-D angle) and the address that holds all of it, so that a reload or a shared link rebuilds the same picture.
export const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

export const state = {
  fn: "peaks", land: null, runs: [], basins: null, field: null, next: 0, catalog: [], optimizers: [],
  view: { elev: 30, azim: 250, zoom: 1 },
  // The race's clock (anim.js): the epoch every run is shown up to (null: whole), playing, epochs per second.
  clock: { epoch: null, playing: false, speed: 300 },
  // What the 2-D plot shows besides the landscape: a log colour scale, contour lines, the gradient field.
  show: { log: false, contours: false, field: false },
  // Presentation mode (present.js) and the keyboard's start cursor ([x, y] or null).
  presenting: false, cursor: null,
};

// The runs with a result (a run whose settings failed on this function has none).
export const computed = () => state.runs.filter((r) => r.report);
// A method's description from /api/optimizers.
export const optimizerInfo = (name) => state.optimizers.find((m) => m.name === name);
// A new run with these settings and the next colour.
export const newRun = (settings) => ({ settings, report: null, color: COLORS[state.next++ % COLORS.length] });

const SHOWN = ["log", "contours", "field"];

// The address: the controls' values (`controls`: optimizer, lr, epochs, ascent, overlay, race, loss), the function,
// every run's settings, what the plot shows and the 3-D angle.
export function writeAddress(controls) {
  const s = new URLSearchParams({ f: state.fn, opt: controls.optimizer, lr: +controls.lr.toPrecision(6), epochs: controls.epochs, ascent: controls.ascent ? 1 : 0, overlay: controls.overlay ? 1 : 0, view: [state.view.elev, state.view.azim].map(Math.round).join(",") + (state.view.zoom && Math.abs(state.view.zoom - 1) > 1e-3 ? "," + +state.view.zoom.toFixed(3) : "") });
  if (controls.race.length) s.set("race", controls.race.join(","));
  if (controls.loss !== "f") s.set("loss", controls.loss);
  const shown = SHOWN.filter((k) => state.show[k]);
  if (shown.length) s.set("show", shown.join(","));
  if (state.runs.length) s.set("runs", JSON.stringify(state.runs.map((r) => r.settings)));
  history.replaceState(null, "", "#" + s);
}

// What the address holds; anything missing or malformed is left out (the page keeps its defaults).
export function readAddress() {
  const s = new URLSearchParams(location.hash.slice(1)), out = { fn: s.get("f") || "peaks" };
  if (s.get("opt")) out.optimizer = s.get("opt");
  const lr = Number(s.get("lr"));
  if (s.get("lr") && lr > 0 && lr <= 10) out.lr = lr;
  if (s.get("epochs")) out.epochs = s.get("epochs");
  out.ascent = s.get("ascent") === "1"; out.overlay = s.get("overlay") === "1";
  out.race = (s.get("race") || "").split(",").filter(Boolean);
  out.loss = s.get("loss") || "f";
  const shown = (s.get("show") || "").split(",");
  for (const k of SHOWN) state.show[k] = shown.includes(k);
  if (s.get("view")) {
    const [e, a, z = 1] = s.get("view").split(",").map(Number);
    if (Number.isFinite(e) && Number.isFinite(a) && z > 0 && z < 100) state.view = { elev: Math.max(-90, Math.min(90, e)), azim: a, zoom: z };
  }
  let runs = [];
  try { runs = JSON.parse(s.get("runs") || "[]"); } catch { runs = []; }
  out.runs = Array.isArray(runs) ? runs.filter((r) => r && Array.isArray(r.start)) : [];
  return out;
}
