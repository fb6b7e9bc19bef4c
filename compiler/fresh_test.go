package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/load"
)

func TestInputDigest(t *testing.T) {
	a := []load.Source{{Path: "envs/qa.cue", Data: []byte("name: \"qa\"\n")}}
	b := []load.Source{{Path: "/abs/qa.cue", Data: []byte("name: \"qa\"\n")}}
	c := []load.Source{{Path: "envs/qa.cue", Data: []byte("name: \"qb\"\n")}}
	switch {
	case inputDigest(a, "devel") != "" || inputDigest(a, "v1.2.3+dirty") != "" || inputDigest(a, "devel-0123456789ab+dirty") != "":
		t.Error("a generator that cannot name its code vouches for its inputs")
	case inputDigest(a, "v1.2.3") != inputDigest(b, "v1.2.3"):
		t.Error("the digest depends on the path as typed")
	case inputDigest(a, "v1.2.3") == inputDigest(c, "v1.2.3") || inputDigest(a, "v1.2.3") == inputDigest(a, "v1.2.4"):
		t.Error("the digest misses a change of the spec or of the generator")
	}
}

// TestFreshTree: a tree written from some inputs is fresh for them, and
// stops being so when a file is edited or the inputs change.
func TestFreshTree(t *testing.T) {
	srcs, res := compileExample(t, "minimal")
	res.Inputs = inputDigest(srcs, "v9.9.9")
	dir := t.TempDir()
	if _, err := Write([]*Result{res}, dir, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Fresh of the directory, read ahead as build and diff read it.
	freshIn := func(r *Result) (bool, error) {
		out := ReadOutput(dir, []string{"examples/minimal.cue"})
		defer out.Close()
		return Fresh([]*Result{r}, out)
	}
	held := &Result{Env: res.Env, Inputs: res.Inputs}
	if fresh, err := freshIn(held); err != nil || !fresh {
		t.Fatalf("a tree just written: fresh %v, %v", fresh, err)
	}
	if diff := cmp.Diff(res.Files, held.Files); diff != "" {
		t.Errorf("the files a fresh tree holds are not what was written (-written +held):\n%s", diff)
	}
	other := *res
	other.Inputs = inputDigest(srcs, "v9.9.10")
	if fresh, _ := freshIn(&other); fresh {
		t.Error("fresh for another generator version")
	}
	p := filepath.Join(dir, "terraform", "minimal", "nodes.tf.json")
	if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := freshIn(res); fresh {
		t.Error("fresh after a hand edit")
	}
}

// TestFileOrderMakesNoDifference: the same spec files named in either
// order make the same files and the same input digest, even where a
// comprehension walks a struct both files fill (CUE walks it in the order
// the files came).
func TestFileOrderMakesNoDifference(t *testing.T) {
	qa, err := os.ReadFile("../examples/qa.cue")
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(qa), `args: ["--port=9000", "--partner-url=https://partner.example.net"]`,
		`args: [for k, v in _flags {"--\(k)=\(v)"}]`, 1)
	if spec == string(qa) {
		t.Fatal("service2's args are not in qa.cue as this test expects")
	}
	a := load.Source{Path: "qa.cue", Data: []byte(spec + "\n_flags: port: \"9000\"\n")}
	b := load.Source{Path: "flags.cue", Data: []byte("_flags: \"partner-url\": \"https://partner.example.net\"\n")}
	one, diags, err := Compile([]load.Source{a, b}, Options{})
	if err != nil || one == nil {
		t.Fatalf("%v %v", err, diags)
	}
	other, _, err := Compile([]load.Source{b, a}, Options{})
	if err != nil || other == nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one.Files, other.Files); diff != "" {
		t.Errorf("the files differ by the order the spec files were named (-a,b +b,a):\n%s", diff)
	}
	if one.Inputs != other.Inputs || one.Inputs == "" {
		t.Errorf("input digests %q and %q", one.Inputs, other.Inputs)
	}
}
