# redis-proxy: build, test and run. Everything goes through Maven; `make run` also starts a
# local Redis when none is listening. See README.md.

MVN ?= mvn -B
# How `make run` provides Redis and the proxy: scripts/run-$(RUN_MODE).sh. Only `local` (a
# redis-server process on this machine) exists so far.
RUN_MODE ?= local

.PHONY: build test run clean

## build: compile and package target/redis-proxy.jar, without running tests
build:
	$(MVN) package -DskipTests

## test: every test layer: unit and component (surefire), integration and e2e (failsafe, on the jar)
test:
	$(MVN) verify

## run: build, then run the proxy in the foreground against a local Redis (started if needed)
run: build
	@test -x scripts/run-$(RUN_MODE).sh || { echo "make run: no scripts/run-$(RUN_MODE).sh for RUN_MODE=$(RUN_MODE)" >&2; exit 2; }
	scripts/run-$(RUN_MODE).sh

## clean: remove build output
clean:
	$(MVN) clean
