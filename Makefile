# OneTrip. `make run` serves the demo county; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast bench bench-deps lint migrate seed system-deps messages clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --no-input -v0

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --no-input -v0
	@echo "OneTrip is serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/gunicorn onetrip.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --error-logfile -

# Debian packages the browser tests and PDFs need: Chromium, and CJK fonts so
# that Chinese renders in screenshots and certificates.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) system-deps
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not browser"

# wrk drives the HTTP load benches.
bench-deps:
	@command -v wrk >/dev/null || { echo "installing: wrk"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: $(STAMP) bench-deps
	$(PY) -m bench

lint: $(STAMP)
	$(BIN)/ruff check onetrip bench tests

# Regenerate and compile translations (needs gettext; the compiled .mo files
# are committed so nothing needs gettext at run time). Each app keeps its own
# catalogue in <app>/locale; onetrip/locale holds the project-level strings.
APPS := $(notdir $(patsubst %/,%,$(dir $(wildcard onetrip/*/apps.py))))
messages: $(STAMP)
	for app in $(APPS); do \
		(cd onetrip/$$app && mkdir -p locale && ../../$(PY) ../../manage.py makemessages -l zh_Hans --no-obsolete -v0); \
	done
	cd onetrip && mkdir -p locale && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete -v0 \
		$(foreach app,$(APPS),-i '$(app)/*') -i 'testing.py'
	$(PY) manage.py compilemessages -v0

clean:
	rm -rf $(VENV) var
