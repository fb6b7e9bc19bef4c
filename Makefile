# kuberator — build, test and measure. `make test` is what CI runs.
GO ?= go
BIN := bin/kuberatorc

.PHONY: all build test lint golden bench example clean

all: build test

build:
	$(GO) build -o $(BIN) ./cmd/kuberatorc

# Unit, golden, CLI and real-tool acceptance tests (terraform validate and an
# offline plan need terraform and the AWS provider mirror at /opt/tf-plugins).
test: lint
	$(GO) test -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# Rewrite golden/ and the CLI scripts' expected output; review the diff before committing.
golden:
	$(GO) test ./compiler -run TestGolden -update
	KUBERATOR_UPDATE_SCRIPTS=1 $(GO) test ./cmd/kuberatorc -run TestScripts

bench:
	$(GO) test ./compiler -run '^$$' -bench . -benchmem

example:
	$(GO) run ./cmd/kuberatorc build examples/qa.cue -o out

clean:
	rm -rf bin out
