# redis-proxy: build, test and run. Everything goes through Maven; `make run` also starts a
# local Redis when none is listening. See README.md.

MVN ?= mvn -B
# How `make run` provides Redis and the proxy: scripts/run-$(RUN_MODE).sh. `docker` (docker
# compose up --build) where a Docker engine answers, else `local` (a redis-server process and
# the jar on this machine). Override with RUN_MODE=local or RUN_MODE=docker.
DOCKER_ENGINE := $(shell docker info >/dev/null 2>&1 && echo yes)
RUN_MODE ?= $(if $(DOCKER_ENGINE),docker,local)
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)

.PHONY: build test run clean docker-test lint bench soak

## build: compile and package target/redis-proxy.jar, without running tests
build:
	$(MVN) package -DskipTests

## test: every test layer: unit and component (surefire), integration and e2e (failsafe, on the jar)
test:
	$(MVN) verify

## run: run Redis and the proxy in the foreground (compose where Docker runs, else local processes)
run: $(if $(filter local,$(RUN_MODE)),build)
	@test -x scripts/run-$(RUN_MODE).sh || { echo "make run: no scripts/run-$(RUN_MODE).sh for RUN_MODE=$(RUN_MODE)" >&2; exit 2; }
	scripts/run-$(RUN_MODE).sh

## clean: remove build output
clean:
	$(MVN) clean

## docker-test: build the images and run the e2e suite in compose against the proxy and redis services
docker-test:
	$(COMPOSE) --profile e2e up --build --abort-on-container-exit --exit-code-from e2e e2e
	$(COMPOSE) --profile e2e down

## lint: static checks that need no Docker engine: the compose file with .env (docker-compose config)
lint:
	@command -v docker-compose >/dev/null || command -v docker >/dev/null || { echo "lint: install docker-compose (Debian package) to validate compose" >&2; exit 2; }
	$(COMPOSE) --profile e2e config --quiet && echo "docker-compose.yml: valid with .env"

## bench: throughput beside redis-server, Webdis and bare Vert.x, memory per entry, JMH (a few minutes)
bench:
	scripts/bench.sh

## soak: a bounded soak run (SOAK_SECONDS, default 600): mixed hits and misses over HTTP and RESP, printing requests, errors, p99 and heap after GC
soak: build
	scripts/soak.sh
