# `make demo` installs dockyard and renders the shipped example (no cluster needed).
# `make test` installs everything the tests need (Python deps, Debian chromium) and runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
PIP_FLAGS ?= -q --disable-pip-version-check

.PHONY: install demo test browser bench

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/dockyard render -f examples/shop/compose.yaml --secret-keys DB_PASSWORD

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; fi; }

test: install browser
	$(VENV)/bin/python -m pytest -n 2 -q

bench: install
	for b in bench/*.py; do case $$b in */generate.py|*/_*) continue;; esac; $(VENV)/bin/python $$b || exit 1; done
