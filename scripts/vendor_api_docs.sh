#!/usr/bin/env bash
# Refresh the Swagger UI files that /docs serves from the package (never from a CDN).
#
# Takes swagger-ui-dist (Apache-2.0) from the npm registry with `npm pack` and copies only
# swagger-ui-bundle.js, swagger-ui.css, the licence, NOTICE and the
# bundle's third-party licence list into src/skytrace/api/static/.
#
#     bash scripts/vendor_api_docs.sh [VERSION]     # default: the version pinned below
set -euo pipefail

VERSION="${1:-5.35.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$HERE/src/skytrace/api/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null
tar -xzf swagger-ui-dist-*.tgz
mkdir -p "$DEST"
cp package/swagger-ui-bundle.js package/swagger-ui.css "$DEST/"
cp package/LICENSE "$DEST/swagger-ui-LICENSE"
cp package/NOTICE "$DEST/swagger-ui-NOTICE"
cp package/swagger-ui-bundle.js.LICENSE.txt "$DEST/swagger-ui-bundle.js.LICENSE.txt"
echo "swagger-ui-dist $VERSION (Apache-2.0, https://github.com/swagger-api/swagger-ui)" \
    >"$DEST/swagger-ui-VERSION"
ls -l "$DEST"
