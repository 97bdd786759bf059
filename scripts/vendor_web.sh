#!/usr/bin/env bash
# Refresh the map page's vendored JavaScript from npm (run by a developer, never at run time).
#
#   bash scripts/vendor_web.sh
#
# Copies Leaflet's dist files (leaflet.js, leaflet.css, images/) and its LICENSE into
# src/skytrace/web/static/vendor/leaflet/. The pages load only these local copies: no CDN.
# Needs npm (it only downloads the published package tarball; nothing is installed).
set -euo pipefail
cd "$(dirname "$0")/.."

LEAFLET_VERSION="1.9.4"
dest="src/skytrace/web/static/vendor/leaflet"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "leaflet@${LEAFLET_VERSION}" >/dev/null)
tar -xzf "$work/leaflet-${LEAFLET_VERSION}.tgz" -C "$work"

rm -rf "$dest"
mkdir -p "$dest/images"
cp "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$dest/"
cp "$work/package/dist/images/"*.png "$dest/images/"
cp "$work/package/LICENSE" "$dest/LICENSE"
echo "leaflet@${LEAFLET_VERSION} (npm, BSD-2-Clause)" >"$dest/VERSION"
echo "vendored leaflet@${LEAFLET_VERSION} into $dest"
