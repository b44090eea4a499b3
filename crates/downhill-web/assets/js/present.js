// Lecture use: presentation mode (full screen, only the plot and the player, everything on the
// plot 1.6 times larger) and keyboard control: the arrow keys move a start cursor over the landscape (with
// Shift in finer steps), Enter starts the runs there, the space bar plays and pauses the race (anim.js), Escape
// leaves presentation mode. Outside presentation mode the keys act when the plot has the focus.
import { state } from "./state.js";
import { $ } from "./controls.js";

const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

// `redraw` draws after a cursor move; `relayout` after the mode changes; `start(point)` starts runs.
export function initPresentation({ redraw, relayout, start }) {
  const set = (on) => {
    if (state.presenting === on) return;
    state.presenting = on;
    document.body.classList.toggle("presenting", on);
    $("present").textContent = on ? "Leave presentation" : "Presentation mode";
    $("present").setAttribute("aria-pressed", String(on));
    if (on) document.documentElement.requestFullscreen?.().catch(() => {}); // refused in some browsers: the page mode stays
    else if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    relayout();
    if (on) $("plot").focus();
  };
  $("present").addEventListener("click", () => set(!state.presenting));
  $("present-exit").addEventListener("click", () => set(false));
  document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement) set(false); });
  const keys = (ev) => {
    if (!state.land || ev.target.closest("input, select, textarea, button:not(#plot)")) return;
    if (ev.key === "Escape" && state.presenting) { set(false); return; }
    const d = state.land.domain, centre = [(d[0] + d[1]) / 2, (d[2] + d[3]) / 2];
    if (ev.key === "Enter") { ev.preventDefault(); start(state.cursor || centre); return; }
    const step = STEPS[ev.key];
    if (!step) return;
    ev.preventDefault();
    const fraction = ev.shiftKey ? 1 / 200 : 1 / 40, c = state.cursor || centre;
    state.cursor = [Math.min(d[1], Math.max(d[0], c[0] + step[0] * fraction * (d[1] - d[0]))), Math.min(d[3], Math.max(d[2], c[1] + step[1] * fraction * (d[3] - d[2])))];
    redraw();
  };
  $("plot").addEventListener("keydown", (ev) => { if (!state.presenting) keys(ev); });
  document.addEventListener("keydown", (ev) => { if (state.presenting) keys(ev); });
}
