# The two commands a newcomer needs are `make run` and `make test` (see README.md).
.PHONY: setup run test bench

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh $(ARGS)

test: setup
	@.venv/bin/python -m pytest -q -n 2

bench: setup
	@.venv/bin/python tests/bench/run_all.py
