// The 3-D view, in WebGL (three.js): the landscape as a lit surface in the plot's colours inside a box with
// labelled axes, the runs as lines on it with their start and end marks, and the race's balls. Drag (or one
// finger) turns it, the wheel (or two fingers) zooms, and with the focus on it the arrow keys turn it and + and
// - zoom. The camera stands far enough back for the box's bounding sphere to fit at any angle, so nothing is
// clipped unless one zooms in. state.view holds matplotlib's elevation and azimuth and the zoom.
import { interpolateViridis } from "/vendor/d3.js";
import { state, computed } from "./state.js";
import { pathTo } from "./plot.js";

const c3 = document.getElementById("view3d"), box = c3.parentElement;
// The box: x and y over the unit square, f over [-H/2, H/2]. The sphere the camera keeps in view holds the box
// and its labels (the farthest about 0.9 from the centre, and a label's half width).
const H = 0.75, RADIUS = Math.hypot(0.62, 0.6, H / 2 + 0.02) + 0.05, FOV = 30;
// three.js (580 KB) is loaded after the page's first picture, not before it.
let T = null, gl = null, mesh = null, surface = null, runs = null, done = () => {}, sphere = null;

function setup() {
  let renderer;
  try { renderer = new T.WebGLRenderer({ canvas: c3, antialias: true, preserveDrawingBuffer: true }); }
  catch { // no WebGL here: say so instead of showing an empty box
    const p = document.createElement("p"); p.className = "hint"; p.textContent = "The 3-D view needs WebGL, which this browser does not offer.";
    box.replaceWith(p); return null;
  }
  const scene = new T.Scene(); scene.background = new T.Color("#ffffff");
  const camera = new T.PerspectiveCamera(FOV, 1, 0.01, 100); camera.up.set(0, 0, 1);
  scene.add(new T.AmbientLight(0xffffff, 1.9));
  const sun = new T.DirectionalLight(0xffffff, 1.4); sun.position.set(0.6, -0.8, 2); scene.add(sun);
  const controls = new T.OrbitControls(camera, c3);
  Object.assign(controls, { enablePan: false, enableDamping: false, minDistance: 0.3, rotateSpeed: 0.9 });
  controls.addEventListener("change", () => { fromCamera(); render(); });
  controls.addEventListener("end", () => { snap(); done(); });
  scene.add(frame());
  return { renderer, scene, camera, controls, fit: 3 };
}

// Where the camera stands for state.view, and state.view from where it stands (after a drag or a zoom).
function toCamera() {
  // Not quite at the poles, where "up" would be undefined.
  const { elev, azim, zoom = 1 } = state.view, e = Math.max(-89.9, Math.min(89.9, elev)) * Math.PI / 180, a = azim * Math.PI / 180, r = gl.fit / zoom;
  gl.camera.position.set(r * Math.cos(e) * Math.cos(a), r * Math.cos(e) * Math.sin(a), r * Math.sin(e));
  gl.camera.lookAt(0, 0, 0); gl.controls.target.set(0, 0, 0);
  gl.controls.maxDistance = gl.fit * 3;
}
function fromCamera() {
  const p = gl.camera.position, r = p.length();
  state.view = { elev: Math.asin(Math.max(-1, Math.min(1, p.z / r))) * 180 / Math.PI, azim: Math.atan2(p.y, p.x) * 180 / Math.PI, zoom: gl.fit / r };
}

// At the end of a turn, the view moves to what the address keeps (whole degrees, the zoom to 3 decimals), so
// that a reload shows exactly what was on the screen.
function snap() {
  const v = state.view;
  state.view = { elev: Math.round(v.elev), azim: Math.round(v.azim), zoom: Math.abs(v.zoom - 1) > 1e-3 ? +v.zoom.toFixed(3) : 1 };
  toCamera(); render();
}

// Sizes the canvas to its box at the screen's pixel density, and the distance at which the sphere fits.
function layout() {
  const w = Math.max(160, Math.round(box.clientWidth)), h = Math.max(160, Math.round(box.clientHeight));
  gl.renderer.setPixelRatio(window.devicePixelRatio || 1);
  gl.renderer.setSize(w, h, false);
  gl.camera.aspect = w / h;
  const half = (FOV / 2) * Math.PI / 180, narrow = Math.min(half, Math.atan(Math.tan(half) * gl.camera.aspect));
  gl.fit = RADIUS / Math.sin(narrow);
  gl.camera.updateProjectionMatrix();
}

// Text on a sprite, `height` world units high.
function label(text, at, height = 0.055, colour = "#1d232a") {
  const c = document.createElement("canvas"), g = c.getContext("2d"), px = 64;
  g.font = `${px * 0.8}px system-ui, sans-serif`;
  c.width = Math.ceil(g.measureText(text).width) + 8; c.height = px;
  g.font = `${px * 0.8}px system-ui, sans-serif`; g.fillStyle = colour; g.textBaseline = "middle"; g.fillText(text, 4, px / 2);
  const texture = new T.CanvasTexture(c); texture.colorSpace = T.SRGBColorSpace;
  const s = new T.Sprite(new T.SpriteMaterial({ map: texture }));
  s.scale.set(height * c.width / c.height, height, 1); s.position.set(...at);
  return s;
}

// The box's edges.
function frame() {
  const v = [], x = [-0.5, 0.5], z = [-H / 2, H / 2];
  for (const a of x) for (const b of x) v.push(a, b, z[0], a, b, z[1]);
  for (const a of x) for (const c of z) v.push(a, -0.5, c, a, 0.5, c, -0.5, a, c, 0.5, a, c);
  const g = new T.BufferGeometry(); g.setAttribute("position", new T.Float32BufferAttribute(v, 3));
  return new T.LineSegments(g, new T.LineBasicMaterial({ color: 0x9aa3ab }));
}

const unitX = (x) => (x - mesh.domain[0]) / (mesh.domain[1] - mesh.domain[0]) - 0.5;
const unitY = (y) => (y - mesh.domain[2]) / (mesh.domain[3] - mesh.domain[2]) - 0.5;
const unitZ = (f) => ((Math.min(mesh.max, Math.max(mesh.min, f)) - mesh.min) / ((mesh.max - mesh.min) || 1) - 0.5) * H;
const fmt = (v) => String(+v.toPrecision(3));

// The surface and its axis labels, made again for a new mesh.
function buildSurface() {
  if (surface) { gl.scene.remove(surface); surface.traverse((o) => { o.geometry?.dispose(); o.material?.map?.dispose(); o.material?.dispose(); }); }
  surface = new T.Group();
  const m = mesh, pos = [], col = [], index = [], colour = new T.Color(), span = (m.max - m.min) || 1;
  for (let j = 0; j < m.height; j++) for (let i = 0; i < m.width; i++) {
    const v = m.values[j * m.width + i] ?? m.min;
    pos.push((i + 0.5) / m.width - 0.5, 0.5 - (j + 0.5) / m.height, unitZ(v));
    colour.setStyle(interpolateViridis((v - m.min) / span)); col.push(colour.r, colour.g, colour.b);
  }
  const at = (i, j) => j * m.width + i, ok = (i, j) => m.values[at(i, j)] !== null;
  for (let j = 0; j + 1 < m.height; j++) for (let i = 0; i + 1 < m.width; i++) {
    if (!(ok(i, j) && ok(i + 1, j) && ok(i, j + 1) && ok(i + 1, j + 1))) continue;
    index.push(at(i, j), at(i, j + 1), at(i + 1, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
  }
  const g = new T.BufferGeometry();
  g.setAttribute("position", new T.Float32BufferAttribute(pos, 3)); g.setAttribute("color", new T.Float32BufferAttribute(col, 3));
  g.setIndex(index); g.computeVertexNormals();
  surface.add(new T.Mesh(g, new T.MeshLambertMaterial({ vertexColors: true, side: T.DoubleSide })));
  const d = m.domain, lo = -H / 2 - 0.02;
  surface.add(label("x", [0, -0.62, lo]), label(fmt(d[0]), [-0.5, -0.6, lo], 0.045), label(fmt(d[1]), [0.5, -0.6, lo], 0.045));
  surface.add(label("y", [0.62, 0, lo]), label(fmt(d[2]), [0.6, -0.5, lo], 0.045), label(fmt(d[3]), [0.6, 0.5, lo], 0.045));
  surface.add(label("f", [-0.58, 0.58, 0]), label(fmt(m.min), [-0.58, 0.58, -H / 2], 0.045), label(fmt(m.max), [-0.58, 0.58, H / 2], 0.045));
  gl.scene.add(surface);
}

// f at a point: the run's own value there when it has them, else the nearest landscape sample.
function valueAt(p) {
  const l = mesh, d = l.domain;
  const i = Math.min(l.width - 1, Math.max(0, Math.floor((p[0] - d[0]) / (d[1] - d[0]) * l.width)));
  const j = Math.min(l.height - 1, Math.max(0, Math.floor((d[3] - p[1]) / (d[3] - d[2]) * l.height)));
  return l.values[j * l.width + i] ?? l.min;
}

// Materials by colour, kept: a material disposed and made again each frame would compile its shaders again.
const materials = new Map();
function material(kind, colour) {
  const key = kind + colour;
  if (!materials.has(key)) materials.set(key, kind === "ball" ? new T.MeshLambertMaterial({ color: colour }) : new T.LineMaterial({ color: colour, linewidth: 2.5 }));
  return materials.get(key);
}
function ball(at, colour, radius) {
  const b = new T.Mesh(sphere, material("ball", colour)); b.scale.setScalar(radius); b.position.set(...at);
  return b;
}

// The runs up to the race clock's epoch, made again at each call (a slider step, a frame of the race).
function buildRuns() {
  if (runs) { gl.scene.remove(runs); runs.traverse((o) => { if (o.geometry !== sphere) o.geometry?.dispose(); }); }
  runs = new T.Group();
  const d = mesh.domain, epoch = state.clock.epoch, inside = (p) => p[0] >= d[0] && p[0] <= d[1] && p[1] >= d[2] && p[1] <= d[3];
  for (const r of computed()) {
    const rep = r.report, pts = pathTo(rep, epoch), values = rep.values;
    // pts[k] is the point after update k, but for the last one between two updates while the clock runs.
    const known = (k) => values && k < values.length && values[k] !== null && (epoch === null || k <= Math.floor(epoch));
    const lift = (p, k) => [unitX(p[0]), unitY(p[1]), unitZ(known(k) ? values[k] : valueAt(p)) + 0.006];
    const v = [];
    pts.forEach((p, k) => { if (inside(p)) v.push(...lift(p, k)); });
    if (v.length >= 6) { // a line 2.5 CSS pixels wide (WebGL's own lines are one pixel)
      const g = new T.LineGeometry(); g.setPositions(v);
      const m = material("line", r.color); m.resolution.set(c3.clientWidth, c3.clientHeight);
      runs.add(new T.Line2(g, m));
    }
    if (inside(rep.start)) runs.add(ball(lift(rep.start, 0), "#1f3bd6", 0.014));
    const last = pts.length - 1, moving = epoch !== null && epoch < rep.trajectory.length;
    if (inside(pts[last])) runs.add(ball(lift(pts[last], last), r.color, moving ? 0.03 : 0.018));
  }
  gl.scene.add(runs);
}

function render() { if (gl) gl.renderer.render(gl.scene, gl.camera); }

export function setMesh(m) { mesh = m; if (gl && mesh.min !== null) { buildSurface(); draw3d(); } }

// Draws the view as it stands (the runs at the clock's epoch).
export function draw3d() {
  if (!gl || !mesh || mesh.min === null) return;
  buildRuns(); render();
}

// Sets the view up; `onTurn` is called when a turn or zoom ends (to keep it in the address).
export async function initView3d(onTurn) {
  done = onTurn;
  T = await import("/vendor/three.js");
  sphere = new T.SphereGeometry(1, 16, 12);
  gl = setup();
  if (!gl) return;
  if (mesh && mesh.min !== null) buildSurface();
  c3.dataset.renderer = "webgl";
  layout(); toCamera();
  new ResizeObserver(() => { layout(); toCamera(); render(); }).observe(box);
  c3.addEventListener("keydown", (ev) => {
    const turn = { ArrowLeft: [0, 10], ArrowRight: [0, -10], ArrowUp: [5, 0], ArrowDown: [-5, 0] }[ev.key];
    const zoom = { "+": 1.15, "=": 1.15, "-": 1 / 1.15 }[ev.key];
    if (!turn && !zoom) return;
    ev.preventDefault();
    const v = state.view;
    if (turn) { v.elev = Math.max(-90, Math.min(90, v.elev + turn[0])); v.azim += turn[1]; }
    if (zoom) v.zoom = Math.max(1 / 3, Math.min(gl.fit / 0.3, (v.zoom || 1) * zoom));
    snap(); done();
  });
  draw3d();
}

// The view after state.view changed from outside (the address).
export function viewChanged() { if (gl) { toCamera(); render(); } }
