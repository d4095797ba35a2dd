# Two entry points do all set-up on a fresh machine (see README "Quick start").
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The main job.
run: $(STAMP)
	.venv/bin/minzheng corpus build corpus/raw --out out/corpus

# The whole test suite: lint, then every test (the Label Studio server is started by the tests).
test: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

clean:
	rm -rf .venv .state out
