// The parts of d3 the explorer uses, bundled by build.sh into ../assets/vendor/d3.js as one ES module.
export { scaleLinear, scaleLog, scaleSequential, scaleSequentialLog } from "d3-scale";
export { interpolateViridis, schemePastel1, schemePastel2 } from "d3-scale-chromatic";
export { contours } from "d3-contour";
