#!/usr/bin/env bash
# Bundles the explorer's third-party libraries (pinned in package.json and package-lock.json) into
# ../assets/vendor/, one minified ES module per library (d3's modules, three.js) with its licences beside
# it. The output is committed and embedded in the binary: the page loads nothing from the network, and
# building downhill needs no npm.
# Run it again only to change a library's version: bash crates/downhill-web/vendor/build.sh
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --silent
out=../assets/vendor
mkdir -p "$out"
npx esbuild d3.js --bundle --format=esm --minify --legal-comments=none --outfile="$out/d3.js"
npx esbuild three.js --bundle --format=esm --minify --legal-comments=none --outfile="$out/three.js"
{
  echo "Licences of the libraries bundled in d3.js (from npm, versions in crates/downhill-web/vendor/package-lock.json)."
  for p in node_modules/d3-* node_modules/internmap; do
    echo; echo "== $(basename "$p") $(node -p "require('./$p/package.json').version")"; echo; cat "$p/LICENSE"
  done
} > "$out/d3.LICENSES.txt"
{
  echo "Licence of three.js, bundled in three.js (from npm, version in crates/downhill-web/vendor/package-lock.json)."
  echo; echo "== three $(node -p "require('./node_modules/three/package.json').version")"; echo
  cat node_modules/three/LICENSE
} > "$out/three.LICENSE.txt"
