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

// The settings of a new run, from the controls. Each run keeps its own (shown in the table, kept in the address).
export function settingsFrom(start, o = $("optimizer").value) {
  const s = { start, optimizer: o, lr: lr(), epochs: epochsValue(), ascent: $("ascent").checked };
  if (o === "momentum" || o === "nesterov") s.momentum = +$("momentum").value;
  if (o === "adam" || o === "adamw") { s.beta1 = +$("beta1").value; s.beta2 = +$("beta2").value; }
  return s;
}

// The runs a click starts: the optimizer chosen, or every one ticked for a race. In a race each method takes
// the learning rate set here, except those whose default differs from the chosen method's (Newton and the line
// searches start from a full step, 1).
export function clickSettings(start) {
  const ticked = raceChoice(), here = optimizerInfo($("optimizer").value);
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
  const o = $("optimizer").value;
  $("momentum-box").hidden = !(o === "momentum" || o === "nesterov");
  $("betas-box").hidden = !(o === "adam" || o === "adamw");
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
