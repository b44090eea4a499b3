// The controls beside the plot: their values, the settings of a new run, and the messages beside the fields.
import { state, optimizerInfo } from "./state.js";

export const $ = (id) => document.getElementById(id);

// The learning rate: a slider on a log scale from 1e-6 to 10 and a box for exact values (0.5, 0.00001).
let exactLr = null;
export const lr = () => exactLr ?? Math.pow(10, parseFloat($("lr").value));
export function setLr(v) { exactLr = v; if (v !== null) $("lr").value = Math.log10(v); }
export const epochsValue = () => Number($("epochs").value);
// The optimizers ticked for a race.
export const raceChoice = () => [...document.querySelectorAll("#race-list input:checked")].map((c) => c.value);

// Each optimizer's own settings, as /api/optimizers lists them with their defaults; the values chosen for
// each optimizer (kept while another is chosen, and taken from the runs when a page is rebuilt).
const chosen = {};
const settingsOf = (o) => (optimizerInfo(o) || { settings: [] }).settings;
export const optionValue = (o, name) => (chosen[o] && name in chosen[o] ? chosen[o][name] : settingsOf(o).find((s) => s.name === name)?.default);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// Whether `value` is the default of optimizer `o`'s setting `name`.
export const isDefault = (o, name, value) => same(settingsOf(o).find((s) => s.name === name)?.default, value);
export function remember(o, name, value) { (chosen[o] ||= {})[name] = value; }

// The settings of a new run, from the controls: the optimizer's own settings where they differ from their
// defaults. Each run keeps its own (shown in the table, kept in the address).
export function settingsFrom(start, o = $("optimizer").value) {
  const s = { start, optimizer: o, lr: lr(), epochs: epochsValue(), ascent: $("ascent").checked };
  for (const { name } of settingsOf(o)) { const v = optionValue(o, name); if (!isDefault(o, name, v)) s[name] = v; }
  return s;
}

// How a setting is named beside its box.
const LABELS = { beta1: "β1", beta2: "β2", eps: "ε", alpha: "α", rho: "ρ", weight_decay: "weight decay", lr_decay: "lr decay",
  initial_accumulator_value: "initial accumulator", max_step: "largest step", momentum_decay: "momentum decay", etas: "η− and η+",
  step_sizes: "smallest and largest step", weight_lr_power: "weight lr power", history_size: "history size", max_iter: "iterations per epoch",
  max_eval: "evaluations per epoch", line_search: "line search", tolerance_grad: "gradient tolerance", tolerance_change: "change tolerance",
  amsgrad: "AMSGrad", centered: "centered", dampening: "dampening", momentum: "momentum", r: "r", c1: "c1 (Armijo)", c2: "c2 (curvature)" };

// The boxes of the chosen optimizer's settings, made from /api/optimizers; `changed(name, value, done)` is
// called while a value changes (done: the change is complete, e.g. the box lost the focus).
export function renderOptions(changed) {
  const o = $("optimizer").value, box = $("options"); box.innerHTML = "";
  for (const { name, default: d } of settingsOf(o)) {
    const id = "opt-" + name, wrap = document.createElement("div"), v = optionValue(o, name);
    const label = document.createElement("label"); label.htmlFor = id; label.textContent = LABELS[name] || name;
    let read, inputs;
    if (typeof d === "boolean") {
      const c = Object.assign(document.createElement("input"), { type: "checkbox", id, checked: v });
      label.prepend(c, " "); label.htmlFor = ""; inputs = [c]; read = () => c.checked;
      wrap.append(label);
    } else if (typeof d === "string") {
      const sel = Object.assign(document.createElement("select"), { id });
      for (const w of ["none", "strong_wolfe"]) sel.append(new Option(w.replace("_", " "), w));
      sel.value = v; inputs = [sel]; read = () => sel.value;
      wrap.append(label, sel);
    } else {
      const pair = Array.isArray(d), n = pair ? 2 : 1, row = document.createElement("div"); row.className = "row";
      inputs = Array.from({ length: n }, (_, k) => Object.assign(document.createElement("input"), { type: "number", step: "any", id: k ? id + "-2" : id, value: pair ? v[k] : v }));
      inputs.forEach((i, k) => { if (pair) i.setAttribute("aria-label", `${LABELS[name] || name}, ${k ? "second" : "first"}`); row.append(i); });
      read = () => { // null while a box is empty or not a number
        const raw = inputs.map((i) => i.value.trim()), xs = raw.map(Number);
        return raw.every((r) => r !== "") && xs.every(Number.isFinite) ? (pair ? xs : xs[0]) : null;
      };
      wrap.append(label, row);
    }
    for (const i of inputs) {
      i.addEventListener("input", () => { const x = read(); if (x !== null && i.type !== "checkbox" && i.tagName !== "SELECT") { remember(o, name, x); changed(name, x, false); } });
      i.addEventListener("change", () => { const x = read(); if (x !== null) { remember(o, name, x); changed(name, x, true); } });
    }
    box.append(wrap);
  }
}


// The runs a click starts: the optimizer chosen, or every one ticked for a race. In a race each method takes
// the learning rate set here, except those whose default differs from the chosen method's (Newton and the line
// searches start from a full step, 1).
export function clickSettings(point) {
  // Six significant digits are finer than a pixel, and the address keeps the start exactly as the run had it.
  const start = point.map((v) => +v.toPrecision(6)), ticked = raceChoice(), here = optimizerInfo($("optimizer").value);
  return (ticked.length ? ticked : [$("optimizer").value]).map((name) => {
    const s = settingsFrom(start, name), m = optimizerInfo(name);
    if (ticked.length && m && here && m.default_lr !== here.default_lr) s.lr = m.default_lr;
    return s;
  });
}

// What the address keeps of the controls.
export const controlValues = () => ({ optimizer: $("optimizer").value, lr: lr(), epochs: $("epochs").value, ascent: $("ascent").checked, overlay: $("overlay").checked, race: raceChoice(),
  loss: $("loss-what").value + ($("loss-log").checked ? ",log" : "") });

export function syncControls() {
  if (document.activeElement !== $("lrv")) $("lrv").value = +lr().toPrecision(3);
  for (const k of ["log", "contours", "field"]) $(k).checked = state.show[k];
}

export function showSettingsError(e) {
  $("settings-error").textContent = e ? (e.error || String(e)).replace(/^runs\[\d+\]: /, "") : "";
}

// An expression's error with its fault marked.
export function showError(e, text) {
  const el = $("error");
  if (!e) { el.textContent = ""; return; }
  if (e.span && text) {
    const [a, b] = e.span, esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    el.innerHTML = esc(e.error) + "\n" + esc(text.slice(0, a)) + "<mark>" + (esc(text.slice(a, Math.max(b, a + 1))) || "&nbsp;") + "</mark>" + esc(text.slice(Math.max(b, a + 1)));
  } else el.textContent = e.error || String(e);
}
