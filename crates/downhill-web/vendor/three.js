// The parts of three.js the explorer's 3-D view uses, bundled by build.sh into ../assets/vendor/three.js.
export {
  WebGLRenderer, Scene, PerspectiveCamera, BufferGeometry, Float32BufferAttribute, Mesh, MeshLambertMaterial,
  MeshBasicMaterial, LineBasicMaterial, Line, LineSegments, SphereGeometry, AmbientLight, DirectionalLight,
  Color, Vector3, Spherical, DoubleSide, CanvasTexture, Sprite, SpriteMaterial, Group, SRGBColorSpace,
} from "three";
export { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
export { Line2 } from "three/examples/jsm/lines/Line2.js";
export { LineMaterial } from "three/examples/jsm/lines/LineMaterial.js";
export { LineGeometry } from "three/examples/jsm/lines/LineGeometry.js";
