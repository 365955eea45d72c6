# The commands people type. The work is done by the scripts in scripts/.
#   make run     build, start PostgreSQL in data/pg, migrate, demo tenant, serve on :8080
#   make test    unit tests, API tests, OpenAPI lint, shutdown and sanitizer checks
#   make bench   the performance benchmark (tests/bench/run.sh)
#   make build   release build into build/
#   make stop    stop the PostgreSQL cluster of `make run`
#   make clean   delete build/ and build-test/ (data/ stays; `make distclean` deletes it too)

SHELL := /bin/bash

.PHONY: all run test bench build deps stop clean distclean

all: build

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@tests/bench/run.sh

build: deps
	@scripts/build.sh release

deps:
	@scripts/deps.sh

stop:
	@scripts/pg.sh stop data/pg

clean:
	@scripts/pg.sh destroy build/bench-pg
	@for d in build-test/run.*; do [ ! -d "$$d/pg" ] || scripts/pg.sh destroy "$$d/pg"; done
	rm -rf build build-test

distclean: clean
	@scripts/pg.sh destroy data/pg
	rm -rf data
