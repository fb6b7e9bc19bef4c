package load

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/model"
)

// unified is a spec's #Environment & spec, as load evaluates it.
func unified(t *testing.T, srcs []Source) cue.Value {
	t.Helper()
	files, diags := parseSpec(srcs)
	if diags != nil {
		t.Fatal(diags)
	}
	inst, merged := mergeWithLibrary(files)
	_, env, err := unify(newContext(), inst, merged, files)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// withWorkloads is spec with n more workloads, gen0000 onwards.
func withWorkloads(spec []byte, n int) []byte {
	var b strings.Builder
	b.Write(spec)
	for i := range n {
		fmt.Fprintf(&b, "\nworkloads: gen%04d: {image: \"ghcr.io/example/w:1.0.%d\", port: 8080, resources: {cpu: \"100m\", memory: \"128Mi\"}}", i, i)
	}
	return []byte(b.String())
}

func example(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", name+".cue"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Exported in pieces on every core, a spec decodes to what one export of
// the whole decodes to. Run with -race (make test does), this also checks
// that the pieces are read concurrently without a data race.
func TestExportInPiecesIsTheWholeExport(t *testing.T) {
	specs := map[string][]byte{
		"minimal":      example(t, "minimal"),
		"qa":           example(t, "qa"),
		"prod":         example(t, "prod"),
		"qa, 200 more": withWorkloads(example(t, "qa"), 200),
		"no workloads": append(example(t, "minimal"), "\nworkloads: {}\n"...),
		// A hidden name the schema uses too keeps the spec apart from the
		// schema's package: unified the slower way, then exported.
		"qa, 200 more, unified apart": append(withWorkloads(example(t, "qa"), 200), "\n_pdCap: 1\n"...),
	}
	inst, err := libraryInstance()
	if err != nil {
		t.Fatal(err)
	}
	apart, _ := parseSpec([]Source{{Path: "spec.cue", Data: specs["qa, 200 more, unified apart"]}})
	if mergeSpec(apart, namesOf(inst.Files)) != nil {
		t.Fatal("the spec meant to be unified apart is merged")
	}
	for name, data := range specs {
		t.Run(name, func(t *testing.T) {
			env := unified(t, []Source{{Path: "spec.cue", Data: data}})
			whole, err := env.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			want := &model.Environment{}
			if err := json.Unmarshal(whole, want); err != nil {
				t.Fatal(err)
			}
			x, err := export(env)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.decode()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("exported in pieces, the spec decodes otherwise (-whole +pieces):\n%s", diff)
			}
		})
	}
}

// undecided is a comprehension in the struct at path ("" for the spec's
// top level) on a value the spec does not give.
func undecided(path string) string {
	worker := `worker: {image: "ghcr.io/example/worker:1.0", port: 8080, resources: {cpu: "100m", memory: "128Mi"}}`
	if path == "" {
		return "\n_withWorker: bool\nif _withWorker { workloads: " + worker + " }\n"
	}
	return "\n_withWorker: bool\n" + path + ": { if _withWorker { " + worker + " } }\n"
}

// A spec whose struct is undecided is rejected, not loaded without what
// the comprehension would have added.
func TestUndecidedSpecIsRejected(t *testing.T) {
	for _, path := range []string{"workloads", ""} {
		srcs := []Source{{Path: "spec.cue", Data: append(example(t, "qa"), undecided(path)...)}}
		spec, diags, err := Load(srcs)
		if err != nil {
			t.Fatal(err)
		}
		if spec != nil || !diags.HasErrors(false) {
			t.Errorf("undecided %q: loaded, with %v", path, diags)
		}
	}
}

// A spec that does not export fails in pieces with the error one export of
// the whole gives: that of the first field that fails, in export order,
// whichever worker meets it first.
func TestExportInPiecesFailsAsTheWhole(t *testing.T) {
	qa := string(example(t, "qa"))
	specs := []struct{ name, spec, fails string }{
		{"two workloads incomplete", string(withWorkloads([]byte(qa), 50)) +
			"\nworkloads: gen0042: preStopSeconds: int\nworkloads: gen0007: preStopSeconds: int\n",
			"workloads.gen0007.preStopSeconds"},
		{"a workload and a field exported before the workloads incomplete", qa +
			"\nworkloads: service1: preStopSeconds: int\ntags: later: string\n",
			"tags.later"},
		// Fields lists the members of a struct whose own value is
		// incomplete; each exports, the struct does not.
		{"workloads undecided", qa + undecided("workloads"), "workloads"},
		{"the spec undecided", qa + undecided(""), "\"kuberator:spec\""},
	}
	for _, tt := range specs {
		t.Run(tt.name, func(t *testing.T) {
			env := unified(t, []Source{{Path: "spec.cue", Data: []byte(tt.spec)}})
			_, want := env.MarshalJSON()
			if want == nil || !strings.Contains(want.Error(), tt.fails+":") {
				t.Fatalf("exported whole, the spec fails with %v, want an error at %s", want, tt.fails)
			}
			for range 20 { // the workers race to the errors
				_, got := export(env)
				if got == nil || got.Error() != want.Error() {
					t.Fatalf("exported in pieces, the error is %v, want %v", got, want)
				}
			}
		})
	}
}
