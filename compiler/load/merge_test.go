package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// diagnosticsOf loads srcs and returns their diagnostics as text.
func diagnosticsOf(t *testing.T, srcs []Source) string {
	t.Helper()
	_, diags, err := Load(srcs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := diags.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// twoFiles splits examples/minimal.cue into common.cue, which holds its
// node groups and domain, and env.cue, the rest, with extra text in each,
// both of package envs.
func twoFiles(t *testing.T, common, env string) []Source {
	return twoFilesOf(t, "package envs\n"+common, "package envs\n"+env)
}

// twoFilesOf is twoFiles without package clauses but those given.
func twoFilesOf(t *testing.T, common, env string) []Source {
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
		bare              bool // the files as given, no package clause added
	}{
		{"a reference to another file's field",
			`domain: "\(name).example.com"`, "",
			true, "minimal.example.com", "us-east-1a", false},
		{"the same import in both files",
			"import \"strings\"\ndomain: strings.ToLower(\"Minimal.example.com\")",
			"import \"strings\"\nlet z = strings.ToLower(\"US-EAST-1A\")\nnetwork: zones: [z, ...]",
			true, "minimal.example.com", "us-east-1a", false},
		{"a hidden field and a definition of the spec's own",
			"#Domain: \"\\(_env).example.com\"\ndomain: #Domain", `_env: "minimal"`,
			true, "minimal.example.com", "us-east-1a", false},
		// Each file's let is its own (files without a package clause are
		// apart): one struct cannot hold both.
		{"a let of the same name in both files",
			"let d = \"minimal.example.com\"\ndomain: d", "let d = \"us-east-1a\"\nnetwork: zones: [d, ...]",
			false, "minimal.example.com", "us-east-1a", true},
		// One name for two packages: the files cannot share an import list.
		{"an import name for two packages",
			"import s \"strings\"\ndomain: s.ToLower(\"Minimal.example.com\")",
			"import s \"list\"\nnetwork: zones: [s.Sort([\"us-east-1b\", \"us-east-1a\"], s.Ascending)[0], ...]",
			false, "minimal.example.com", "us-east-1a", false},
		// Language features come with each file (struct comparison from
		// the language version, others by @experiment): the merged file
		// keeps them, or is not made when the files differ.
		{"struct comparison, a feature of the language version",
			`domain: "minimal.example.com" & =="minimal.example.com"`, "",
			true, "minimal.example.com", "us-east-1a", false},
		{"an experiment both files enable",
			"@experiment(aliasv2)\npackage envs\ndomain: \"\\(self.name).example.com\"", "@experiment(aliasv2)\npackage envs",
			true, "minimal.example.com", "us-east-1a", true},
		{"an experiment one file enables",
			"@experiment(aliasv2)\npackage envs\ndomain: \"\\(self.name).example.com\"", "package envs",
			false, "minimal.example.com", "us-east-1a", true},
		// Files without a package clause never see each other's fields:
		// len stays the builtin, whatever the other file declares.
		{"a builtin named like another file's field",
			"domain: \"minimal.example.com\"\ntags: n: \"\\(len([1, 2, 3]))\"", "len?: 7",
			false, "minimal.example.com", "us-east-1a", true},
		// Aliases are each file's own: in one struct they would clash.
		{"an alias of the same name in both files",
			"N=domain: \"minimal.example.com\"\ntags: site: N",
			"N=name: \"minimal\"\ntags: env: N",
			false, "minimal.example.com", "us-east-1a", true},
		{"a let named like another file's field",
			"let name = \"minimal\"\ndomain: \"\\(name).example.com\"", "",
			false, "minimal.example.com", "us-east-1a", true},
		// In one struct, the let would capture the import's references.
		{"a let named like another file's import",
			"let strings = \"x\"\ndomain: \"minimal.example.com\"\ntags: x: strings",
			"import \"strings\"\ntags: env: strings.ToLower(\"MINIMAL\")",
			false, "minimal.example.com", "us-east-1a", true},
		// The schema's package has a hidden _pdCap in its instance figures:
		// the spec's own, of another package, must not meet it.
		{"a hidden field named like one of the schema's",
			`domain: "minimal.example.com"`,
			`instanceCatalog: "t3.large": {vcpu: 2, memoryGiB: 8, enis: 3, ipv4PerENI: 12, _pdCap: 10}`,
			false, "minimal.example.com", "us-east-1a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files2 := twoFiles
			if tt.bare {
				files2 = twoFilesOf
			}
			srcs := files2(t, tt.common, tt.env)
			files, diags := parseSpec(srcs)
			if diags != nil {
				t.Fatal(diags)
			}
			inst, err := libraryInstance()
			if err != nil {
				t.Fatal(err)
			}
			if merged := mergeSpec(files, namesOf(inst.Files)) != nil; merged != tt.merged {
				t.Errorf("merged: %v, want %v", merged, tt.merged)
			}
			spec, diags, err := Load(files2(t, tt.common, tt.env))
			if err != nil || diags.HasErrors(false) {
				t.Fatalf("%v %v", err, diags)
			}
			if spec.Env.Domain != tt.domain || spec.Env.Network.Zones[0] != tt.zone {
				t.Errorf("domain %q, first zone %q; want %q, %q", spec.Env.Domain, spec.Env.Network.Zones[0], tt.domain, tt.zone)
			}
		})
	}
}

// Files without a package clause do not see each other's fields: merged
// into one struct they would, so a spec that does not build alone is
// rejected as it was.
func TestFilesWithoutPackageStayApart(t *testing.T) {
	srcs := twoFilesOf(t, `domain: "\(name).example.com"`, "")
	got := diagnosticsOf(t, srcs)
	if want := `common.cue:1:12: error: domain: reference "name" not found`; !strings.Contains(got, want) {
		t.Errorf("diagnostics lack %q:\n%s", want, got)
	}
}

// A spec refers to nothing of the schema's package, which it shares once
// merged: the reference fails as it did when the spec was built alone.
func TestSpecCannotReferToTheSchema(t *testing.T) {
	for _, name := range []string{"kubeletDefaults", "#Workload"} {
		srcs := twoFiles(t, `domain: "minimal.example.com"`, "_k: "+name)
		got := diagnosticsOf(t, srcs)
		if want := `env.cue:2:5: error: _k: reference "` + name + `" not found`; !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

// Errors in a merged spec are placed and named as in the spec's own paths.
func TestMergedSpecErrorsNameTheSpecsPaths(t *testing.T) {
	srcs := twoFiles(t, `domain: "minimal.example.com"`, "cluster: versoin: \"1.33\"")
	got := diagnosticsOf(t, srcs)
	if want := "env.cue:2:10: error: cluster.versoin: field not allowed"; !strings.Contains(got, want) {
		t.Errorf("diagnostics lack %q:\n%s", want, got)
	}
}

// The examples take the one evaluation, not the slower way.
func TestExamplesMerge(t *testing.T) {
	inst, err := libraryInstance()
	if err != nil {
		t.Fatal(err)
	}
	library := namesOf(inst.Files)
	for _, name := range []string{"minimal", "qa"} {
		path := filepath.Join("..", "..", "examples", name+".cue")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files, diags := parseSpec([]Source{{Path: path, Data: data}})
		if diags != nil {
			t.Fatal(diags)
		}
		if mergeSpec(files, library) == nil {
			t.Errorf("examples/%s.cue is not merged", name)
		}
	}
}
