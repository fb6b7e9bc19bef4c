package load

import (
	"fmt"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
)

// extra is a spec's last workloads field, with a workload of its own
// written out and around it what the case adds.
func extra(before, workload, after string) string {
	return "\nworkloads: {\n" + before + "\n\textra: {image: \"ghcr.io/example/extra:1.0\", port: 8080, resources: {cpu: \"100m\", memory: \"128Mi\"}" +
		workload + "}\n" + after + "\n}\n"
}

// partsOf is how load would share the spec's workloads out: the parts,
// nil when it evaluates the spec whole.
func partsOf(t *testing.T, spec []byte) (workloadPart, int) {
	t.Helper()
	_, _, part, parts := split(t, spec)
	return part, parts
}

// split parses and merges the spec as load does, and shares its workloads
// out: the library merged against, the merged file, and the parts.
func split(t *testing.T, spec []byte) (*build.Instance, *ast.File, workloadPart, int) {
	t.Helper()
	files, diags := parseSpec([]Source{{Path: "spec.cue", Data: spec}})
	if diags != nil {
		t.Fatal(diags)
	}
	inst, merged := mergeWithLibrary(files)
	part, parts := splitWorkloads(merged, inst.Files)
	return inst, merged, part, parts
}

// evaluated is the spec evaluated in the parts load would share it out in.
func evaluated(t *testing.T, spec []byte) ([]partResult, workloadPart) {
	t.Helper()
	inst, merged, part, parts := split(t, spec)
	if part == nil {
		t.Fatal("the spec is evaluated whole")
	}
	return evaluateParts([]Source{{Path: "spec.cue", Data: spec}}, inst, merged, part, parts), part
}

// inParts says whether every part of the spec evaluates and exports.
func inParts(t *testing.T, spec []byte) bool {
	t.Helper()
	results, _ := evaluated(t, spec)
	return joinParts(results) != nil
}

// withMaxParts runs f with load evaluating a spec in at most n parts.
func withMaxParts(t *testing.T, n int, f func()) {
	t.Helper()
	was := maxParts
	maxParts = func() int { return n }
	defer func() { maxParts = was }()
	f()
}

// A spec evaluated in parts loads as the whole does: the same model, the
// same warnings. Three parts on any machine; run with -race (make test
// does), this also checks that the parts share nothing.
func TestPartsLoadAsTheWhole(t *testing.T) {
	qa := withWorkloads(example(t, "qa"), 200)
	specs := map[string][]byte{
		"qa, 200 more":   qa,
		"prod, 200 more": withWorkloads(example(t, "prod"), 200),
		"a let and a pattern in the workloads": append(withWorkloads(example(t, "qa"), 200),
			extra("\tlet tag = \"1.0\"\n\t[=~\"^gen\"]: stateful: false\n\t_tier: \"app\"", ", role: _tier, args: [\"--tag=\\(tag)\"]", "")...),
		// A part without the workload leaves the import out: CUE rejects
		// an import nothing refers to.
		"an import one workload refers to": append([]byte("import \"strings\"\n"), append(withWorkloads(example(t, "qa"), 200),
			extra("", ", args: [strings.ToLower(\"--QUIET\")]", "")...)...),
		// A part without the workload drops both lets, the second first.
		"a let one workload refers to, through another": append(withWorkloads(example(t, "qa"), 200),
			("\nlet registry = \"ghcr.io/example\"\nlet tagged = \"\\(registry)/extra:1.0\"\n" + extra("", ", args: [tagged]", ""))...),
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			srcs := []Source{{Path: "spec.cue", Data: spec}}
			var whole, split3 *Spec
			var wholeDiags, partsDiags string
			withMaxParts(t, 1, func() { whole, wholeDiags = loadOrFail(t, srcs) })
			withMaxParts(t, 3, func() {
				if _, parts := partsOf(t, spec); parts != 3 {
					t.Fatalf("evaluated in %d parts, want 3", parts)
				}
				if !inParts(t, spec) {
					t.Fatal("a part fails: the spec was loaded whole")
				}
				split3, partsDiags = loadOrFail(t, srcs)
			})
			if diff := cmp.Diff(whole, split3); diff != "" {
				t.Errorf("loaded in parts, the spec is another (-whole +parts):\n%s", diff)
			}
			if diff := cmp.Diff(wholeDiags, partsDiags); diff != "" {
				t.Errorf("loaded in parts, the diagnostics differ (-whole +parts):\n%s", diff)
			}
		})
	}
}

func loadOrFail(t *testing.T, srcs []Source) (*Spec, string) {
	t.Helper()
	spec, diags, err := Load(srcs)
	if err != nil || spec == nil {
		t.Fatalf("the spec does not load: %v %v", err, diags)
	}
	return spec, fmt.Sprint(diags)
}

// A spec that fails in a part fails as the whole does: with every error,
// each where it is written. The parts say it themselves where they can;
// the whole says it where they cannot.
func TestPartsFailAsTheWhole(t *testing.T) {
	qa := string(withWorkloads(example(t, "qa"), 200))
	specs := []struct {
		name, spec string
		fromParts  bool
	}{
		{"errors in two workloads and a field", qa + "\nworkloads: gen0042: replicas: -1\nworkloads: gen0007: preStopSeconds: int\ntags: later: string\n", true},
		{"an unknown field and an enum in two workloads", qa + "\nworkloads: gen0043: replica: 2\nworkloads: gen0008: role: \"worker\"\n", true},
		{"an error in a field every workload refers to", qa + "\n_registry: 1 & 2\nworkloads: gen0011: image: \"ghcr.io/\\(_registry)/x:1\"\n", true},
		{"a value left incomplete in one workload", qa + "\nworkloads: gen0042: preStopSeconds: int\n", true},
		// Which incomplete values CUE reports first, of two parts, the
		// whole says.
		{"values left incomplete in two parts", qa + "\nworkloads: gen0042: preStopSeconds: int\nworkloads: gen0007: preStopSeconds: int\n", false},
		// Only imports and lets that something refers to are left out of
		// a part, and the spec does not build.
		{"an import nothing refers to", "import \"strings\"\n" + qa, false},
		{"a let nothing refers to", qa + "\nlet unused = 1\n", false},
	}
	for _, tt := range specs {
		t.Run(tt.name, func(t *testing.T) {
			srcs := []Source{{Path: "spec.cue", Data: []byte(tt.spec)}}
			var want, got string
			withMaxParts(t, 1, func() { want = failed(t, srcs) })
			withMaxParts(t, 2, func() {
				results, part := evaluated(t, []byte(tt.spec))
				if joinParts(results) != nil {
					t.Fatal("every part evaluates")
				}
				if _, ok := partFailures(results, part); ok != tt.fromParts {
					t.Fatalf("the parts say what fails: %v, want %v", ok, tt.fromParts)
				}
				got = failed(t, srcs)
			})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("in parts, the spec fails otherwise (-whole +parts):\n%s", diff)
			}
		})
	}
}

func failed(t *testing.T, srcs []Source) string {
	t.Helper()
	spec, diags, err := Load(srcs)
	if err != nil || spec != nil || !diags.HasErrors(false) {
		t.Fatalf("the spec loads: %v %v", err, diags)
	}
	return fmt.Sprint(diags)
}

// Where the workloads may not be independent, or are too few, the spec is
// evaluated whole.
func TestDependentWorkloadsAreEvaluatedWhole(t *testing.T) {
	qa := string(withWorkloads(example(t, "qa"), 200))
	specs := map[string]string{
		"too few":                          string(example(t, "qa")),
		"a workload refers to another":     qa + extra("", "", "\tsibling: {image: \"ghcr.io/example/sibling:1.0\", resources: extra.resources}"),
		"the spec refers to the workloads": qa + "\ntags: count: \"\\(len(workloads))\"\n",
		"a comprehension in the workloads": qa + extra("", "", "\tfor n in [\"c1\"] {(n): extra}"),
		"a computed name":                  qa + extra("", "", "\t(\"dyn\"): {image: \"ghcr.io/example/dyn:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}"),
		"an aliased workload":              qa + "\nworkloads: {X=aliased: {image: \"ghcr.io/example/x:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}}\n",
		"an aliased workloads field":       qa + "\nW=workloads: {}\n",
		"an embedding":                     qa + "\n_more: workloads: embedded: {image: \"ghcr.io/example/x:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}\n_more\n",
		// A pattern may add a workload, or check them together, in every part.
		"a pattern of the top level": qa + "\n[=~\"^workloads$\"]: {added: {image: \"ghcr.io/example/x:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}}\n",
		// self names the struct it is in: the workloads of one part.
		"self":                       "@experiment(aliasv2)\n" + qa + extra("\t_count: len(self)", ", replicas: _count", ""),
		"a comprehension at the top": qa + "\nfor n in [\"t1\"] {workloads: (n): {image: \"ghcr.io/example/x:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}}\n",
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			withMaxParts(t, 2, func() {
				if part, parts := partsOf(t, []byte(spec)); part != nil {
					t.Errorf("evaluated in %d parts", parts)
				}
			})
		})
	}
	// And the control: as written, the spec is shared out.
	withMaxParts(t, 2, func() {
		if part, _ := partsOf(t, []byte(qa)); part == nil {
			t.Error("qa with 200 workloads more is evaluated whole")
		}
	})
}

// A workload's name spelt in two Unicode forms is one CUE field: the
// split puts it in one part.
func TestOneNameInTwoSpellingsIsOneWorkload(t *testing.T) {
	spec := append(withWorkloads(example(t, "qa"), 200),
		"\nworkloads: \"gen\u00e9\": image: \"ghcr.io/example/x:1.0\"\nworkloads: \"gene\u0301\": replicas: 2\n"...)
	withMaxParts(t, 2, func() {
		part, _ := partsOf(t, spec)
		if _, ok := part["gen\u00e9"]; !ok || len(part) != 205 {
			t.Errorf("%d workloads, \"gen\u00e9\" among them: %v; want 205, true", len(part), ok)
		}
	})
}

// The parts rest on the schema reading no workload: its one mention of
// them is the field's. Should that change, every spec would be evaluated
// whole, as refersTo says of the library.
func TestLibraryReadsNoWorkloads(t *testing.T) {
	inst, err := libraryInstance()
	if err != nil {
		t.Fatal(err)
	}
	if refersTo(inst.Files, workloadsField) {
		t.Error("the library refers to the workloads: every spec is evaluated whole")
	}
	reads, err := parser.ParseFile("reads.cue", "package kuberator\n#E: {workloads: [string]: {}, count: len(workloads)}\n")
	if err != nil {
		t.Fatal(err)
	}
	if !refersTo([]*ast.File{reads}, workloadsField) {
		t.Error("a schema that counts the workloads is not seen to refer to them")
	}
}

// Should a workload come out of two parts, which no split the syntax
// allows makes, the parts are not joined: the whole is evaluated. Here a
// pattern of the top level, which splitWorkloads refuses, adds one to
// every part.
func TestAWorkloadInTwoPartsFallsBackToTheWhole(t *testing.T) {
	qa := withWorkloads(example(t, "qa"), 200)
	var part workloadPart
	var parts int
	withMaxParts(t, 2, func() { part, parts = partsOf(t, qa) })
	spec := append(qa, "\n[=~\"^workloads$\"]: {added: {image: \"ghcr.io/example/x:1.0\", resources: {cpu: \"1\", memory: \"1Gi\"}}}\n"...)
	inst, merged, refused, _ := split(t, spec)
	if refused != nil {
		t.Fatal("the pattern of the top level is split")
	}
	if joinParts(evaluateParts([]Source{{Path: "spec.cue", Data: spec}}, inst, merged, part, parts)) != nil {
		t.Error("the parts were joined with a workload in each")
	}
}
