package compiler_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/render"
	"github.com/kuberator/kuberator/internal/testutil"
)

func qaSources(b *testing.B) []load.Source {
	data, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		b.Fatal(err)
	}
	return []load.Source{{Path: "examples/qa.cue", Data: data}}
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
		if _, err := render.Build(res.Files, "qa"); err != nil {
			b.Fatal(err)
		}
	}
}

// scaleSizes are the workload counts the scale benchmarks add to qa.
var scaleSizes = []int{10, 100, 1000, 5000}

// scaleSources is examples/qa.cue with n generated workloads.
func scaleSources(b *testing.B, n int) []load.Source {
	base := qaSources(b)[0]
	return []load.Source{{Path: "examples/qa.cue", Data: testutil.ScaleSpec(base.Data, "qa.example.com", n)}}
}

// scale runs f for each size, with the spec compiled from N workloads more
// than qa has.
func scale(b *testing.B, f func(b *testing.B, srcs []load.Source)) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			srcs := scaleSources(b, n)
			b.ReportAllocs()
			f(b, srcs)
		})
	}
}

func compileOrFail(b *testing.B, srcs []load.Source, opts compiler.Options) *compiler.Result {
	res, diags, err := compiler.Compile(srcs, opts)
	if err != nil || res == nil {
		b.Fatalf("the spec does not compile: %v %v", err, diags)
	}
	return res
}

// BenchmarkCompile is a whole compile at N workloads: load, check, plan, emit.
func BenchmarkCompile(b *testing.B) {
	scale(b, func(b *testing.B, srcs []load.Source) {
		for b.Loop() {
			compileOrFail(b, srcs, compiler.Options{})
		}
	})
}

// BenchmarkVet is the pre-commit check at N workloads.
func BenchmarkVet(b *testing.B) {
	scale(b, func(b *testing.B, srcs []load.Source) {
		for b.Loop() {
			compileOrFail(b, srcs, compiler.Options{VetOnly: true})
		}
	})
}

// BenchmarkDiff is kuberatorc diff against a tree built from the same
// spec, at N workloads: check while the tree is read ahead, find it fresh
// by its manifest's digests, and compare what it holds (strays included)
// without encoding.
func BenchmarkDiff(b *testing.B) {
	scale(b, func(b *testing.B, srcs []load.Source) {
		dir := b.TempDir()
		if _, err := compiler.Write([]*compiler.Result{compileOrFail(b, srcs, compiler.Options{})}, dir, compiler.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			out := compiler.ReadOutput(dir, []string{srcs[0].Path})
			res := compileOrFail(b, srcs, compiler.Options{VetOnly: true, OutputDir: dir})
			if fresh, err := compiler.Fresh([]*compiler.Result{res}, out); err != nil || !fresh {
				b.Fatalf("the tree just built is not fresh: %v", err)
			}
			changes, err := compiler.Changes([]*compiler.Result{res}, out, compiler.WriteOptions{})
			if err != nil || !changes.Empty() {
				b.Fatalf("%v %v", err, changes)
			}
			out.Close()
		}
	})
}

// BenchmarkRender is kustomize of every Flux Kustomization of the
// environment at N workloads, from a compiled file set.
func BenchmarkRender(b *testing.B) {
	scale(b, func(b *testing.B, srcs []load.Source) {
		res := compileOrFail(b, srcs, compiler.Options{})
		for b.Loop() {
			if _, err := render.Build(res.Files, "qa"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBuildRepository builds the four environments of
// testdata/repo/envs into one tree: all at once, as `kuberatorc build envs/`
// does (compiled in parallel), and one after another, as four single builds
// would. Both write; after the first round the writes find nothing changed.
func BenchmarkBuildRepository(b *testing.B) {
	specs, err := load.Discover("testdata/repo/envs", load.DefaultShared)
	if err != nil || len(specs) != 4 {
		b.Fatalf("discover: %v, %d environments", err, len(specs))
	}
	build := func(b *testing.B, dir string, specs []load.EnvSpec) {
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
				build(b, dir, []load.EnvSpec{s})
			}
		}
	})
}

// BenchmarkCompileAtBounds is qa with one workload at every bound of
// check/bounds.go at once: 10 hosts × 100 paths (1,000 routes in one
// Ingress), files of just under 1 MiB, add-on values 32 levels deep. Its
// B/op is the allocation of the largest spec vet accepts of this shape.
func BenchmarkCompileAtBounds(b *testing.B) {
	qa := string(qaSources(b)[0].Data)
	hosts := make([]string, 9)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("%q", fmt.Sprintf("h%d.qa.example.com", i))
	}
	paths := make([]string, 100)
	for i := range paths {
		paths[i] = fmt.Sprintf("%q", fmt.Sprintf("/p%d", i))
	}
	spec := strings.NewReplacer(
		`hosts: ["www.qa.example.com"]`, "hosts: ["+strings.Join(hosts, ", ")+"]",
		`paths: ["/", "/api"]`, "paths: ["+strings.Join(paths, ", ")+"]",
		`"listen: :8080\nlog: json\n"`, `"`+strings.Repeat("x", check.ConfigMapDataMax-1)+`"`,
		"grafana: {}", "grafana: {values: "+strings.Repeat("{a: ", check.ValuesDepthMax-1)+"1"+strings.Repeat("}", check.ValuesDepthMax-1)+"}",
	).Replace(qa)
	srcs := []load.Source{{Path: "examples/qa.cue", Data: []byte(spec)}}
	b.ReportAllocs()
	for b.Loop() {
		compileOrFail(b, srcs, compiler.Options{})
	}
}
