# Two entry points do all set-up on a fresh machine (see README "Quick start").
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: run test lint clean model

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The main job.
run: $(STAMP)
	.venv/bin/minzheng extract corpus/raw --model models/default --out out/facts.jsonl --html out/review.html

# The whole test suite: lint, then every test (the Label Studio server is started by the tests).
test: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

clean:
	rm -rf .venv .state out

# Rebuild models/default from the repo's data: base model, 4-fold CV by document, final model + card.
model: $(STAMP)
	.venv/bin/minzheng train init-base --out models/base
	.venv/bin/minzheng train ner --config training/configs/ner-default.yaml --folds 4
