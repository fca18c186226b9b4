# The everyday commands. Both install what they need first (a pinned uv, then the locked environment).
UV_VERSION := 0.13.9
TOOLS := .run/tools
UV := $(TOOLS)/bin/uv
PYTEST_ARGS ?=

.PHONY: run test sync lint clean

run: sync
	$(UV) run --frozen python -m uptick_devstack run

test: sync
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: sync
	$(UV) run --frozen ruff check .

sync: $(UV)
	$(UV) sync --frozen --all-packages --group dev --quiet

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

clean:
	rm -rf .venv .run
