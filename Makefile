# The two commands of the README: `make results` (the main job) and `make test`.
PYTHON ?= python
PIP = $(PYTHON) -m pip
# experiment notebooks (train_*, eval_*) are run by papermill, not by nbdev_test
NB_SKIP = '^(_|\.|train_|eval_|explain_|explorer)'

.PHONY: install results test check-sync

install:
	$(PIP) install torch==2.13.0
	$(PIP) install -c constraints.txt -e ".[dev]"
	@command -v java >/dev/null || { apt-get update && apt-get install -y default-jre-headless; }
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y chromium; }  # the explorer's browser tests

results: install
	latentxai-results

test: install
	nbdev_test --skip_file_re $(NB_SKIP)
	$(PYTHON) -m pytest tests; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

# latentxai/ must be the export of nbs/, and notebooks must be committed clean
check-sync:
	nbdev_export
	nbdev_clean
	@changed=$$(git status --porcelain -- latentxai nbs pyproject.toml); \
	if [ -n "$$changed" ]; then echo "nbdev_export / nbdev_clean changed the tree:"; echo "$$changed"; git diff --stat; exit 1; fi
