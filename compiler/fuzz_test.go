package compiler_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/internal/testutil"
)

// FuzzCompile feeds the compiler arbitrary specs, seeded with the examples
// and mutants of them, and holds its invariants: no panic and no internal
// error, every diagnostic positioned in the spec, an error whenever there
// is no result, and output that decodes. `make fuzz` runs it for a while;
// plain `go test` replays the seeds and the committed corpus
// (testdata/fuzz/FuzzCompile).
func FuzzCompile(f *testing.F) {
	for _, name := range testutil.Examples {
		data, err := os.ReadFile(testutil.ExamplePath(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	qa, _ := os.ReadFile(testutil.ExamplePath("qa"))
	for _, m := range [][2]string{
		{`max: 10}`, `max: 99999999999999999999}`},
		{`threshold: 3,`, `threshold: 1e400,`},
		{`team:       "platform"`, `team: "${file(\"/etc/hostname\")}"`},
		{`name:   "qa"`, `name:   "` + strings.Repeat("q", 63) + `"`},
		{`tags: {`, `cyc: {a: b, b: {x: a}}` + "\ntags: {"},
		{`costCenter: "eng-42"`, `costCenter: 'NRAK-0123456789ABCDEFGHIJKLMNOPQ'`},
		{`vpcCIDR: "10.20.0.0/16"`, `vpcCIDR: "10.20.0.0/8"`},
		{`"eu-west-1c"]`, `"eu-west-1c", "eu-west-1c"]`},
	} {
		f.Add(strings.Replace(string(qa), m[0], m[1], 1))
	}
	f.Fuzz(func(t *testing.T, spec string) {
		res, diags, err := compiler.Compile([]load.Source{{Path: "fuzz.cue", Data: []byte(spec)}},
			compiler.Options{EvalLimit: 5 * time.Second})
		if err != nil {
			t.Fatalf("internal error: %v", err)
		}
		for _, d := range diags {
			if d.Pos.File != "fuzz.cue" || d.Pos.Line < 1 {
				t.Errorf("diagnostic without a position in the spec: %s", d)
			}
			// Every warning can be accepted by an id docs/warnings.md lists.
			if d.Severity == diag.Warning && !slices.Contains(diag.WarningIDs, d.ID) && d.ID != diag.AcceptUnused {
				t.Errorf("warning without a known id: %s", d)
			}
		}
		if res == nil {
			if !diags.HasErrors(false) {
				t.Fatal("no result, and no error says why")
			}
			return
		}
		for _, p := range res.Files.Paths() {
			var v any
			if strings.HasSuffix(p, ".json") {
				err = json.Unmarshal(res.Files[p], &v)
			} else {
				err = yaml.Unmarshal(res.Files[p], &v)
			}
			if err != nil {
				t.Errorf("%s does not decode: %v", p, err)
			}
		}
	})
}
