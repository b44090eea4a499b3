// The race's clock: every run shown up to the same epoch, so that optimizers started together can be watched
// side by side. Play and pause (also the space bar), a step slider, an epoch counter and a speed in epochs per
// second. With the clock stopped at its end (epoch null), every run is shown whole.
import { state, computed } from "./state.js";
import { $ } from "./controls.js";

// The longest run's number of updates.
export const longest = () => Math.max(0, ...computed().map((r) => r.report.trajectory.length));

let redraw = () => {}, frame = null, last = 0;

function tick(now) {
  // A frame's time stamp can precede the performance.now() taken when play() was called: never step back.
  const clock = state.clock, dt = Math.min(0.1, Math.max(0, (now - last) / 1000)); last = Math.max(last, now);
  clock.epoch = Math.min(longest(), (clock.epoch ?? 0) + clock.speed * dt);
  if (clock.epoch >= longest()) { clock.epoch = null; clock.playing = false; frame = null; }
  else frame = requestAnimationFrame(tick);
  redraw();
}

// Plays from epoch `from` (from where it stands if omitted; from the start if it stood at the end).
export function play(from) {
  const clock = state.clock;
  if (from !== undefined) clock.epoch = from; else if (clock.epoch === null) clock.epoch = 0;
  clock.playing = true; last = performance.now();
  if (frame === null) frame = requestAnimationFrame(tick);
  redraw();
}
export function pause() {
  state.clock.playing = false;
  if (frame !== null) { cancelAnimationFrame(frame); frame = null; }
  redraw();
}
export const toggle = () => (state.clock.playing ? pause() : play());

// The player's controls as the clock stands.
export function syncPlayer() {
  const n = longest(), e = state.clock.epoch === null ? n : Math.floor(state.clock.epoch);
  $("step").max = String(n); $("step").value = String(e);
  $("epoch").textContent = `epoch ${e} of ${n}`;
  $("play").textContent = state.clock.playing ? "❚❚ Pause" : "▶ Play";
  $("play").setAttribute("aria-pressed", String(state.clock.playing));
}

// Wires the player; `draw` draws everything at the clock's epoch.
export function initPlayer(draw) {
  redraw = () => { draw(); syncPlayer(); };
  $("play").addEventListener("click", toggle);
  $("step").addEventListener("input", () => {
    const e = Number($("step").value); // before pause() puts the clock's epoch back on the slider
    state.clock.epoch = e >= longest() ? null : e;
    pause();
  });
  $("speed").addEventListener("change", () => { state.clock.speed = Number($("speed").value); });
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== " " || ev.target.closest("input, select, button, textarea, [contenteditable]")) return;
    ev.preventDefault(); toggle();
  });
}
