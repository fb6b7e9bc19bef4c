package outtree

import (
	"fmt"
	"testing"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// BenchmarkWriteFresh writes 4,000 files in 1,000 directories into an empty
// directory: a first build of an environment with 1,000 workloads.
func BenchmarkWriteFresh(b *testing.B) {
	files := fileset.FileSet{}
	for i := range 1000 {
		for j := range 4 {
			files[fmt.Sprintf("kubernetes/overlays/qa/apps/w%04d/f%d.yaml", i, j)] = []byte("kind: x\n")
		}
	}
	for b.Loop() {
		tree, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tree.Write(Build{Envs: map[string]fileset.FileSet{"qa": files}}); err != nil {
			b.Fatal(err)
		}
		tree.Close()
	}
}
