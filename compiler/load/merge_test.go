package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// twoFiles splits examples/minimal.cue into common.cue, which holds its
// node groups and domain, and env.cue, the rest, with extra text in each.
func twoFiles(t *testing.T, common, env string) []Source {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "minimal.cue"))
	if err != nil {
		t.Fatal(err)
	}
	rest, groups, ok := strings.Cut(string(data), "nodeGroups: {")
	if !ok {
		t.Fatal("examples/minimal.cue has no nodeGroups")
	}
	rest = strings.Replace(rest, `domain: "minimal.example.com"`, "", 1)
	return []Source{
		{Path: "common.cue", Data: []byte(common + "\nnodeGroups: {" + groups)},
		{Path: "env.cue", Data: []byte(env + "\n" + rest)},
	}
}

// The spec's files are evaluated inside the schema's package, as one
// struct; what each file could refer to, and the values, are as when they
// were a package of their own.
func TestMergedSpecMeansWhatItsFilesMean(t *testing.T) {
	tests := []struct {
		name, common, env string
		merged            bool // evaluated with the schema, not on its own first
		domain, zone      string
	}{
		{"a reference to another file's field",
			`domain: "\(name).example.com"`, "",
			true, "minimal.example.com", "us-east-1a"},
		{"the same import in both files",
			"import \"strings\"\ndomain: strings.ToLower(\"Minimal.example.com\")",
			"import \"strings\"\nlet z = strings.ToLower(\"US-EAST-1A\")\nnetwork: zones: [z, ...]",
			true, "minimal.example.com", "us-east-1a"},
		{"a hidden field and a definition of the spec's own",
			"#Domain: \"\\(_env).example.com\"\ndomain: #Domain", `_env: "minimal"`,
			true, "minimal.example.com", "us-east-1a"},
		// Each file's let is its own: one struct cannot hold both.
		{"a let of the same name in both files",
			"let d = \"minimal.example.com\"\ndomain: d", "let d = \"us-east-1a\"\nnetwork: zones: [d, ...]",
			false, "minimal.example.com", "us-east-1a"},
		// One name for two packages: the files cannot share an import list.
		{"an import name for two packages",
			"import s \"strings\"\ndomain: s.ToLower(\"Minimal.example.com\")",
			"import s \"list\"\nnetwork: zones: [s.Sort([\"us-east-1b\", \"us-east-1a\"], s.Ascending)[0], ...]",
			false, "minimal.example.com", "us-east-1a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := twoFiles(t, tt.common, tt.env)
			files, diags := parseSpec(srcs)
			if diags != nil {
				t.Fatal(diags)
			}
			inst, err := libraryInstance()
			if err != nil {
				t.Fatal(err)
			}
			if merged := mergeSpec(files, declaredNames(inst.Files)) != nil; merged != tt.merged {
				t.Errorf("merged: %v, want %v", merged, tt.merged)
			}
			spec, diags, err := Load(twoFiles(t, tt.common, tt.env))
			if err != nil || diags.HasErrors(false) {
				t.Fatalf("%v %v", err, diags)
			}
			if spec.Env.Domain != tt.domain || spec.Env.Network.Zones[0] != tt.zone {
				t.Errorf("domain %q, first zone %q; want %q, %q", spec.Env.Domain, spec.Env.Network.Zones[0], tt.domain, tt.zone)
			}
		})
	}
}

// A spec refers to nothing of the schema's package, which it shares once
// merged: the reference fails as it did when the spec was built alone.
func TestSpecCannotReferToTheSchema(t *testing.T) {
	for _, name := range []string{"kubeletDefaults", "#Workload"} {
		srcs := twoFiles(t, `domain: "minimal.example.com"`, "_k: "+name)
		_, diags, err := Load(srcs)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := diags.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if want := `env.cue:1:5: error: _k: reference "` + name + `" not found`; !strings.Contains(b.String(), want) {
			t.Errorf("diagnostics lack %q:\n%s", want, b.String())
		}
	}
}

// Errors in a merged spec are placed and named as in the spec's own paths.
func TestMergedSpecErrorsNameTheSpecsPaths(t *testing.T) {
	srcs := twoFiles(t, `domain: "minimal.example.com"`, "cluster: versoin: \"1.33\"")
	_, diags, err := Load(srcs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := diags.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if want := "env.cue:1:10: error: cluster.versoin: field not allowed"; !strings.Contains(got, want) {
		t.Errorf("diagnostics lack %q:\n%s", want, got)
	}
}
