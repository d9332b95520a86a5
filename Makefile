# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT    ?= 8050
WORKERS ?= 2

.PHONY: install services run dev test lint bench data clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

services:
	@bash scripts/install-test-services.sh

run: install
	@if [ -n "$$AUDIOSPACE_MUSIC_DIR" ]; then \
		$(PY) -m pip install --quiet --disable-pip-version-check -e '.[audio]' && \
		{ command -v ffmpeg >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		  apt-get install -y -qq ffmpeg >/dev/null; } || \
		  echo "note: without ffmpeg, m4a/aac files in AUDIOSPACE_MUSIC_DIR cannot be analysed"; }; \
	fi
	$(PY) -m app.prepare
	$(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --worker-class gthread --threads 4 \
		--timeout 300 app.wsgi:server

dev: install
	$(PY) -m app

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: install services lint
	$(PY) -m pytest

bench: install services
	$(PY) bench/engine_bench.py
	$(PY) bench/embedding_bench.py
	$(PY) bench/ui_bench.py
	$(PY) bench/datasets_bench.py

data: install
	$(PY) -m app.prepare --download

clean:
	rm -rf .cache .pytest_cache
