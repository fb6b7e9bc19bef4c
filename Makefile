# kuberator — build, test and measure. `make test` is what CI runs.
GO ?= go
BIN := bin/kuberatorc

.PHONY: all build test lint golden bench example clean newrelic-schema

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

# Re-derive the New Relic provider schema the tests check against, from the
# npm package @cdktf/provider-newrelic (the provider itself is not installable
# here). Review the diff before committing.
NEWRELIC_CDKTF ?= @cdktf/provider-newrelic@13.12.2
newrelic-schema:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent $(NEWRELIC_CDKTF) >/dev/null && tar xzf *.tgz && \
	node $(CURDIR)/scripts/newrelic-schema.mjs $$tmp/package/.jsii > $(CURDIR)/emitters/newrelic/testdata/provider-schema.json && \
	rm -rf $$tmp
