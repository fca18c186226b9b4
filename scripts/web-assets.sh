#!/usr/bin/env bash
# The dashboard's browser libraries: `npm ci` from services/web/package-lock.json (pinned; again only when
# the lock changed), then services/web/vendor.mjs copies them into the served folder. `make sync` (and so
# `make run` and `make test`) runs this. Without node/npm: a loud warning on a laptop, a failure in CI.
set -euo pipefail

web=$(cd "$(dirname "${BASH_SOURCE[0]}")/../services/web" && pwd)
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    echo "WARNING: node and npm are needed to install the dashboard's libraries (services/web/package.json);" >&2
    echo "WARNING: without them the web service answers /readyz 503 and the browser tests skip." >&2
    [[ ${CI:-} == true ]] && exit 1
    exit 0
fi
stamp=$web/node_modules/.uptick-package-lock.json
if ! cmp -s "$web/package-lock.json" "$stamp"; then
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$web/package-lock.json" "$stamp"
fi
node "$web/vendor.mjs" >/dev/null
