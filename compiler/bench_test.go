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

// BenchmarkBuildRepository builds the four environments of
// testdata/repo/envs into one tree: all at once, as `kuberatorc build envs/`
// does (compiled in parallel), and one after another, as four single builds
// would. Both write; after the first round the writes find nothing changed.
func BenchmarkBuildRepository(b *testing.B) {
	specs, err := compiler.Discover("testdata/repo/envs", compiler.DefaultShared)
	if err != nil || len(specs) != 4 {
		b.Fatalf("discover: %v, %d environments", err, len(specs))
	}
	build := func(b *testing.B, dir string, specs []compiler.EnvSpec) {
		results, diags, err := compiler.CompileAll(specs, compiler.Options{})
		if err != nil || diags.HasErrors(false) {
			b.Fatalf("%v %v", err, diags)
		}
		var out []*compiler.Result
		for _, r := range results {
			out = append(out, r.Result)
		}
		if _, err := compiler.Write(out, dir, compiler.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("together", func(b *testing.B) {
		dir := b.TempDir()
		b.ReportAllocs()
		for b.Loop() {
			build(b, dir, specs)
		}
	})
	b.Run("one-by-one", func(b *testing.B) {
		dir := b.TempDir()
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range specs {
				build(b, dir, []compiler.EnvSpec{s})
			}
		}
	})
}
