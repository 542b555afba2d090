# `make test` is the project's one test command (README, CI).
SHARED_DATA := $(abspath ../shared/data)
export SR_COURSE_DATA ?= $(if $(wildcard $(SHARED_DATA)/MANIFEST.tsv),$(SHARED_DATA),)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export MPLBACKEND ?= Agg

.PHONY: test test-nbs test-py docs-check sync-check

test: test-nbs test-py

test-nbs:  ## every lesson notebook, top to bottom, in quick mode
	SR_COURSE_QUICK=1 nbdev_test --n_workers 2 --timing

test-py:   ## CLI, bad input, protocol fidelity, other backends
	python -m pytest tests -q

docs-check:  ## docs pre-render (show_doc, links) without Quarto
	python tools/proc_docs.py

sync-check:  ## notebooks clean and exported: no diff allowed
	nbdev_clean && nbdev_export && git diff --exit-code && test -z "$$(git status --porcelain)"
