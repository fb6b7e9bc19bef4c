package compiler_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kuberator/kuberator"

// goPackage is what `go list -json` says of a package.
type goPackage struct {
	ImportPath string
	Name       string
	Deps       []string
}

// listPackages lists the main module's packages with their transitive
// dependencies, as the go command sees them.
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// houseRules are the arrows the pipeline may not draw (see doc.go): a
// package matching a rule's prefix never depends, directly or through
// another package, on any of the forbidden ones.
var houseRules = []struct {
	pkg, why  string
	forbidden []string
}{
	{"emitters/", "the emitters are pure functions of model and plan",
		[]string{"compiler", "compiler/check", "compiler/load", "compiler/outtree"}},
	{"compiler/check", "checks read model and plan; facts from the output come in as data",
		[]string{"emitters/", "compiler/outtree", "compiler/load"}},
	{"compiler/model", "the model is the contract and depends on nothing of ours",
		[]string{""}},
}

// TestImportRules reads the import graph and fails on an arrow the house
// rules forbid.
func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, r := range houseRules {
			if !strings.HasPrefix(rel, r.pkg) {
				continue
			}
			for _, dep := range p.Deps {
				ours, ok := strings.CutPrefix(dep, module)
				if !ok {
					continue
				}
				ours = strings.TrimPrefix(ours, "/")
				if slices.ContainsFunc(r.forbidden, func(f string) bool {
					return ours == f || strings.HasSuffix(f, "/") && strings.HasPrefix(ours, f) || f == ""
				}) {
					t.Errorf("%s depends on %s: %s", rel, ours, r.why)
				}
			}
		}
	}
}

// TestOnlyTheCommandsAreInstalled: `go install ./...`, which pre-commit
// runs to install the hook, builds kuberatorc and the kuberatorc-preflight
// it runs, and nothing else (tools such as benchscale live in the e2e
// module).
func TestOnlyTheCommandsAreInstalled(t *testing.T) {
	var mains []string
	for _, p := range listPackages(t) {
		if p.Name == "main" {
			mains = append(mains, p.ImportPath)
		}
	}
	want := []string{module + "/cmd/kuberatorc", module + "/cmd/kuberatorc-preflight"}
	if !slices.Equal(mains, want) {
		t.Errorf("main packages of the module: %v, want %v", mains, want)
	}
}

// TestOnlyPreflightLinksTheAWSSDK: the SDK's packages take milliseconds to
// initialise, which every command linking them pays on every run.
func TestOnlyPreflightLinksTheAWSSDK(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Name != "main" || strings.HasSuffix(p.ImportPath, "/cmd/kuberatorc-preflight") {
			continue
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, "github.com/aws/") {
				t.Errorf("%s links %s: keep the AWS SDK in kuberatorc-preflight", p.ImportPath, dep)
				break
			}
		}
	}
}
