package compiler_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/plan"
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
		// The bounds and limits of issue 22, each just over.
		{`paths: ["/", "/api"]`, `paths: [` + quotedList("/p", 99) + `], hosts: [` + quotedList("h", 11) + `]`},
		{`"listen: :8080\nlog: json\n"`, `"` + strings.Repeat("x", 1<<20+1) + `"`},
		{"grafana: {}", "grafana: {values: " + strings.Repeat("{a: ", 40) + "1" + strings.Repeat("}", 40) + "}"},
		{"\tservice2: {", "\t\"" + strings.Repeat("s", 57) + "\": {"},
		{"\tpostgres: {", "\t\"" + strings.Repeat("p", 53) + "\": {"},
		{`costCenter: "eng-42"`, `costCenter: "` + strings.Repeat("c", 257) + `"`},
		{`team:       "platform"`, `"aws:team": "platform"`},
		{`costCenter: "eng-42"`, `costCenter: "sk_live_4eC39HqLyjWDarjtT1zdp7dcXq"`},
		{`log: json\n"`, `log: json\npassword: Hunter2Xq9Zw4\n"`},
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
		checkBudgets(t, res.Files)
	})
}

// etcdObjectMax is what the API server stores of one object: etcd's
// default request limit, 1.5 MiB.
const etcdObjectMax = 3 << 19

// checkBudgets fails on a generated Kubernetes object over its size (1 MiB
// of ConfigMap data, etcd's limit for any object), a label value over 63
// characters, a Flux Kustomization name over 63, a StatefulSet over 52.
func checkBudgets(t *testing.T, files fileset.FileSet) {
	t.Helper()
	for _, p := range files.Paths() {
		if !strings.HasSuffix(p, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(string(files[p]), "\n---\n") {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
				continue
			}
			kind, _ := obj["kind"].(string)
			name, _ := nested(obj, "metadata", "name").(string)
			if len(doc) > etcdObjectMax {
				t.Errorf("%s: %s %s is %d bytes, over etcd's %d", p, kind, name, len(doc), etcdObjectMax)
			}
			if kind == "ConfigMap" {
				size := 0
				data, _ := nested(obj, "data").(map[string]any)
				for _, v := range data {
					size += len(fmt.Sprint(v))
				}
				if size > check.ConfigMapDataMax {
					t.Errorf("%s: ConfigMap %s holds %d bytes of data, over 1 MiB", p, name, size)
				}
			}
			switch {
			case kind == "StatefulSet" && len(name) > plan.StatefulSetNameMax,
				kind == "Kustomization" && obj["apiVersion"] != "kustomize.config.k8s.io/v1beta1" && len(name) > plan.LabelValueMax:
				t.Errorf("%s: %s name %q has %d characters", p, kind, name, len(name))
			}
			var labels []string
			collectLabels(obj, &labels)
			for _, l := range labels {
				if len(l) > plan.LabelValueMax {
					t.Errorf("%s: label value %q has %d characters", p, l, len(l))
				}
			}
		}
	}
}

// quotedList is n CUE strings prefix0, prefix1, …, comma-separated.
func quotedList(prefix string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = strconv.Quote(prefix + strconv.Itoa(i))
	}
	return strings.Join(items, ", ")
}

// nested is the value at a path of maps, or nil.
func nested(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestExamplesWithinBudgets: the examples' output keeps every budget the
// fuzzer checks.
func TestExamplesWithinBudgets(t *testing.T) {
	for _, name := range testutil.Examples {
		checkBudgets(t, testutil.CompileExample(t, name).Files)
	}
}
