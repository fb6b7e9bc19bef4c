package compiler_test

import (
	"os"
	"testing"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/testutil"
)

func qaSources(b *testing.B) []compiler.Source {
	data, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		b.Fatal(err)
	}
	return []compiler.Source{{Path: "examples/qa.cue", Data: data}}
}

func benchmark(b *testing.B, opts compiler.Options) {
	srcs := qaSources(b)
	b.ReportAllocs()
	for b.Loop() {
		res, diags, err := compiler.Compile(srcs, opts)
		if err != nil || res == nil {
			b.Fatalf("qa does not compile: %v %v", err, diags)
		}
	}
}

// BenchmarkCompileQA is load → validate → plan → emit everything, no disk writes.
func BenchmarkCompileQA(b *testing.B) { benchmark(b, compiler.Options{}) }

// BenchmarkVetQA is what the pre-commit hook runs: load → validate → check.
func BenchmarkVetQA(b *testing.B) { benchmark(b, compiler.Options{VetOnly: true}) }

// BenchmarkRenderQA is compile plus kustomize of the qa overlay, in memory.
func BenchmarkRenderQA(b *testing.B) {
	srcs := qaSources(b)
	b.ReportAllocs()
	for b.Loop() {
		res, _, err := compiler.Compile(srcs, compiler.Options{})
		if err != nil || res == nil {
			b.Fatal("qa does not compile")
		}
		if _, err := compiler.Render(res.Files, "qa"); err != nil {
			b.Fatal(err)
		}
	}
}
