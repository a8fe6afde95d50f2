# Plainspoken. `make build`: set up this machine and build the site. `make test`: set up and run the tests.
# Both work on a fresh Debian machine as root; a second run installs nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The tested set: every Python package at the version CI tested (pip freeze of a working venv, made by
# make lock). make build, make test and CI install exactly these; pip install plainspoken does not.
CONSTRAINTS := constraints.txt
# Debian packages the pipeline needs to build: gettext (msgfmt, the strict .po checker);
# Pango and HarfBuzz for WeasyPrint; the Noto fonts for every script we print; espeak-ng for speech;
# liblouis (library and its tables) for braille.
DEBIAN_BUILD := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk \
	espeak-ng liblouis20 liblouis-data
# More for the tests: Chromium (axe-core), poppler-utils (pdftotext, pdffonts, pdftoppm), zbar-tools (QR),
# mpg123 (decodes the MP3s back to check their length and loudness); Node.js for the strict WebVTT
# validator (npm webvtt-parser, pinned in tests/webvtt/package-lock.json, installed there by npm ci);
# liblouis-bin (lou_translate, lou_checktable) to check braille tables by hand.
DEBIAN_TEST := chromium poppler-utils zbar-tools mpg123 nodejs liblouis-bin
WEBVTT_CHECK := tests/webvtt/node_modules/.package-lock.json

.PHONY: build test test-fast test-wheel test-slow bench conformance setup setup-test clean lock

build: setup
	@$(BIN)/python -m compileall -q pipeline  # bytecode once, even where Python may not write it
	$(BIN)/plainspoken build $(ARGS)

test: setup-test
	$(BIN)/ruff check pipeline tests
	$(BIN)/mypy
	@$(MAKE) --no-print-directory test-wheel
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile --durations=12

# Under a minute: no whole-site builds, audio builds or browsers (tests marked slow); no wheel.
test-fast: setup-test
	$(BIN)/ruff check pipeline tests
	$(BIN)/python -m pytest -q -m "not slow"

# The wheel built, installed in a fresh venv away from the checkout, and used on a test root (~30 s).
test-wheel: setup-test
	bash .ci/wheel-test $(VENV)

# The catalog lifecycle walked far longer than in make test (many minutes).
test-slow: setup-test
	PLAINSPOKEN_SLOW_TESTS=1 $(BIN)/python -m pytest -q tests/test_catalog_lifecycle.py --hypothesis-show-statistics

# Every figure with its target (OK/MISSED). BENCH_ARTICLES=100 for the 10 -> 100 articles scaling run
# (default 30, so that the whole run stays near ten minutes on two cores).
bench: setup-test $(VENV)/.installed-bench
	@$(BIN)/python -m compileall -q pipeline  # measure the pipeline as installed, not compiled per process
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
	@echo "== benchmarks/bench_build.py --piper"; $(BIN)/python benchmarks/bench_build.py --piper
	@echo "== benchmarks/conformance_audio.py"; $(BIN)/python benchmarks/conformance_audio.py

# What #13 asked to see from the inside: every handout's text layer (normalised and in order),
# pages and untagged content; every guide's loudness and true peak (ours and ffmpeg's ebur128); every
# BRF's words given back by liblouis, per language; every bilingual handout's text layer in both languages.
conformance: setup-test
	@echo "== benchmarks/conformance_print.py"; $(BIN)/python benchmarks/conformance_print.py  # #22, per language
	@echo "== benchmarks/bench_pdf_text.py"; $(BIN)/python benchmarks/bench_pdf_text.py
	@echo "== benchmarks/conformance_audio.py"; $(BIN)/python benchmarks/conformance_audio.py
	@echo "== benchmarks/conformance_braille.py"; $(BIN)/python benchmarks/conformance_braille.py
	@echo "== benchmarks/conformance_bilingual.py"; $(BIN)/python benchmarks/conformance_bilingual.py

$(VENV)/.installed-bench: pyproject.toml $(CONSTRAINTS) $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet --no-build-isolation -c $(CONSTRAINTS) -e '.[test,bench]'
	@touch $@

setup: debian-build $(VENV)/.installed

setup-test: debian-build debian-test $(VENV)/.installed-test $(WEBVTT_CHECK)

debian-build:
	@bash .ci/debian-packages $(DEBIAN_BUILD)

debian-test:
	@bash .ci/debian-packages $(DEBIAN_TEST)

$(VENV)/bin/python:
	@bash .ci/debian-packages --python $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) pip

# The build backend too is the locked one: pip's build isolation would fetch the newest setuptools
# from PyPI to build Plainspoken itself, whatever constraints.txt says.
$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) setuptools
	$(BIN)/python -m pip install --quiet --no-build-isolation -c $(CONSTRAINTS) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --no-build-isolation -c $(CONSTRAINTS) -e '.[test]'
	@touch $@

# After a deliberate upgrade has passed make test: the venv's versions become the tested set.
lock:
	@{ sed -n '/^#/p' $(CONSTRAINTS); $(BIN)/python -m pip freeze --all --exclude-editable \
		| grep -v -e '^wheel==' -e '^plainspoken'; } > $(CONSTRAINTS).new
	@mv $(CONSTRAINTS).new $(CONSTRAINTS)

$(WEBVTT_CHECK): tests/webvtt/package.json tests/webvtt/package-lock.json
	@command -v npm >/dev/null || bash .ci/debian-packages npm
	npm ci --prefix tests/webvtt --no-audit --no-fund --silent
	@touch $@

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis

.PHONY: debian-build debian-test
