# kuberator — build, test and measure. `make test` is what CI runs.
GO ?= go
BIN := bin/kuberatorc

.PHONY: all build test lint golden clean-tree bench bench-scale example clean newrelic-schema e2e e2e-tools fuzz

all: build test

# kuberatorc, and beside it the kuberatorc-preflight its preflight runs.
build:
	$(GO) build -buildvcs=auto -trimpath -o bin/ ./cmd/kuberatorc ./cmd/kuberatorc-preflight

# Unit, golden, CLI and real-tool acceptance tests (terraform validate and an
# offline plan need terraform and the AWS provider mirror at /opt/tf-plugins),
# then the tests of what runs on every core (the spec's evaluation in
# parts and its export, the emitters' objects, the stage's writers) under
# the race detector, with two workers even on one core, then a check that
# the tests left the checkout as they found it.
test: lint
	$(GO) test -count=1 ./...
	$(GO) test -race -cpu 2 -count=1 -run 'TestParts|TestExportInPieces|TestGolden|TestFailedStaging|TestWriteIsOwned' ./compiler/load ./compiler ./compiler/outtree
	@$(MAKE) --no-print-directory clean-tree

# The tree must be clean after the tests, as in cue's CI: a test that writes
# into the checkout, or a golden file regenerated and not committed, fails
# here. Commit (or stash) your own changes before running make test.
clean-tree:
	@dirty=$$(git status --porcelain); \
	if [ -n "$$dirty" ]; then echo "the checkout is not clean after the tests:"; echo "$$dirty"; exit 1; fi

# staticcheck at a pinned version the module proxy serves.
STATICCHECK_VERSION := v0.8.2
# No tracked file over this size: build outputs do not belong in git.
MAX_TRACKED_BYTES := 1048576
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	@large=$$(git ls-files -z | xargs -0 stat -c '%s %n' | awk '$$1 > $(MAX_TRACKED_BYTES)'); \
	if [ -n "$$large" ]; then echo "tracked files over $(MAX_TRACKED_BYTES) bytes:"; echo "$$large"; exit 1; fi
	$(GO) vet ./...
	cd e2e && $(GO) vet -tags e2e ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	cd e2e && $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags e2e ./...
	$(GO) mod tidy -diff
	cd e2e && $(GO) mod tidy -diff

# Rewrite every golden set (golden/, the describe goldens, the summary
# testdata and the CLI scripts' expected output); review the diff before
# committing it.
golden:
	KUBERATOR_UPDATE=1 $(GO) test -count=1 ./...

# End-to-end proof against real servers: the Terraform applied to moto (an
# AWS emulator on loopback), every rendered manifest dry-run against a real
# kube-apiserver, and the Flux layers reconciled by the real source- and
# kustomize-controller from a git repository on loopback. Needs moto_server,
# etcd (Debian's etcd-server), git and terraform; builds kube-apiserver, the
# Flux controllers and the CRDs into .cache/e2e (slow once, then cached).
E2E_CACHE := $(CURDIR)/.cache/e2e
CONTROLLER_GEN_VERSION := v0.21.0
e2e: e2e-tools
	cd e2e && KUBEBUILDER_ASSETS=$(E2E_CACHE)/bin KUBERATOR_E2E_CRDS=$(E2E_CACHE)/crds \
		$(GO) test -tags e2e -count=1 -timeout 45m -v .

e2e-tools:
	bash e2e/tools/build-kube-apiserver.sh $(E2E_CACHE)
	bash e2e/tools/build-flux-controllers.sh $(E2E_CACHE)
	@command -v etcd >/dev/null || { echo "etcd is missing: apt-get install etcd-server"; exit 1; }
	ln -sf "$$(command -v etcd)" $(E2E_CACHE)/bin/etcd
	GOBIN=$(E2E_CACHE)/bin $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	$(E2E_CACHE)/bin/controller-gen crd:crdVersions=v1 \
		paths=github.com/fluxcd/helm-controller/api/v2 \
		paths=github.com/fluxcd/source-controller/api/v1 \
		paths=github.com/fluxcd/kustomize-controller/api/v1 \
		paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 \
		paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1 \
		output:crd:dir=$(E2E_CACHE)/crds

# Fuzz the compiler for FUZZTIME executions: no panic, no internal error,
# every diagnostic positioned, output that decodes and keeps its budgets. A
# failing input is written to compiler/testdata/fuzz/FuzzCompile; commit it
# with the fix. The budget is a count, not a duration: Go's coordinator can
# fail a run that ends on a deadline while a worker is mid-input, with no
# input to show for it (golang/go#75804).
FUZZTIME ?= 2000x
fuzz:
	$(GO) test ./compiler -run '^$$' -fuzz=FuzzCompile -fuzztime=$(FUZZTIME) -fuzzminimizetime=20x

bench:
	$(GO) test ./compiler -run '^$$' -bench . -benchmem

# The scale table of whole processes against CUE's own floor (not part of
# make test): installs the cue CLI at the go.mod version and kubectl if missing.
CUE_VERSION := $(shell $(GO) list -m -f '{{.Version}}' cuelang.org/go)
BENCH_BIN := $(CURDIR)/.cache/bench/bin
bench-scale: build
	@command -v kubectl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client >/dev/null; }
	@test -x $(BENCH_BIN)/cue || GOBIN=$(BENCH_BIN) $(GO) install cuelang.org/go/cmd/cue@$(CUE_VERSION)
	cd e2e && $(GO) build -o $(BENCH_BIN)/benchscale ./benchscale
	$(BENCH_BIN)/benchscale -kuberatorc $(BIN) -cue $(BENCH_BIN)/cue $(BENCH_FLAGS)

example:
	$(GO) run ./cmd/kuberatorc build examples/qa.cue -o out

clean:
	rm -rf bin out .cache

# Re-derive the New Relic provider schema the tests check against, from the
# npm package @cdktf/provider-newrelic (the provider itself is not installable
# here). Review the diff before committing.
NEWRELIC_CDKTF ?= @cdktf/provider-newrelic@13.12.2
newrelic-schema:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent $(NEWRELIC_CDKTF) >/dev/null && tar xzf *.tgz && \
	node $(CURDIR)/scripts/newrelic-schema.mjs $$tmp/package/.jsii > $(CURDIR)/emitters/newrelic/testdata/provider-schema.json && \
	rm -rf $$tmp
