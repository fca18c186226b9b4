# The everyday commands. Both install what they need first (a pinned uv, then the locked environment).
UV_VERSION := 0.13.9
TOOLS := .run/tools
UV := $(TOOLS)/bin/uv
PYTEST_ARGS ?=

.PHONY: run test sync lint clean k8s

run: sync
	$(UV) run --frozen python -m uptick_devstack run

test: sync
	@bash scripts/install-test-tools.sh || echo "WARNING: could not install helm/promtool; the deployment tests will say so"
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy

sync: $(UV)
	$(UV) sync --frozen --all-packages --group dev --quiet
	@bash scripts/web-assets.sh

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

clean:
	rm -rf .venv .run

# Regenerate the plain manifests in k8s/ from the chart (a test fails when they drift).
k8s: sync
	k8s/render.sh

# Performance on this machine: the real services as separate processes (see bench/run.py; measured runs are
# kept in bench/RESULTS.md). QUICK=1: about four minutes. The last line printed is the path of the JSON report.
.PHONY: bench
QUICK ?=
BENCH_ARGS ?=
bench: $(UV)
	$(UV) sync --frozen --all-packages --group dev --group bench --quiet
	@bash scripts/web-assets.sh
	bash bench/install.sh
	$(UV) run --frozen --group bench python -m bench $(if $(filter 1 yes true,$(QUICK)),--quick) $(BENCH_ARGS)
