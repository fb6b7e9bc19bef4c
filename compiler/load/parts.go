package load

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"golang.org/x/text/unicode/norm"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// CUE evaluates a value on one core, and the evaluation is most of a vet.
// But the schema's #Workload reads nothing outside its workload, so where
// no name of the spec refers to a workload or to the workloads field,
// #Environment & spec is the union of the spec with a part of its
// workloads, for parts that share them out: each part is evaluated and
// exported in a cue.Context of its own, on a core of its own (a context is
// not safe for concurrent use, several are). Everything but the workloads
// is evaluated in each part, and each must export it the same.

// perPart is the fewest workloads worth evaluating the rest once more: on
// two cores, a vet of 64 workloads in two parts took 5% less time than the
// whole, of 104 10% less, and of 34 3% less (paired medians).
const perPart = 32

// maxParts is how many parts a spec's workloads may be evaluated in: one
// per core, at most 8. Each part parses the whole spec and evaluates the
// library and the rest of the spec again, which a machine with many cores
// would otherwise multiply (measured on two cores only).
var maxParts = func() int { return min(runtime.GOMAXPROCS(0), 8) }

// workloadPart says which part each workload is evaluated in.
type workloadPart map[string]int

// partResult is one part evaluated: the library, the spec with the
// part's workloads (#Environment & spec), and its export, or why not.
type partResult struct {
	lib, env cue.Value
	x        exported
	err      error
}

// evaluateParts evaluates and exports the merged spec in parts, side by
// side. The first part is merged (with inst, the library it was merged
// against); the others are parsed and merged afresh from srcs, for no two
// contexts may share syntax: building a file resolves its names again, in
// place.
func evaluateParts(srcs []Source, inst *build.Instance, merged *ast.File, part workloadPart, parts int) []partResult {
	results := make([]partResult, parts)
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Go(func() {
			files, diags := parseSpec(srcs)
			inst, err := libraryInstance()
			again := (*ast.File)(nil)
			if diags == nil && err == nil {
				again = mergeSpec(files, namesOf(inst.Files))
			}
			if again == nil { // as the first part was: it cannot differ
				results[p].err = fmt.Errorf("the spec parsed again does not merge")
				return
			}
			results[p] = evaluatePart(inst, withPart(again, part, p))
		})
	}
	results[0] = evaluatePart(inst, withPart(merged, part, 0))
	wg.Wait()
	return results
}

// evaluatePart builds the library with one part of the spec and exports
// the spec.
func evaluatePart(inst *build.Instance, part *ast.File) partResult {
	lib, env, err := buildMerged(newContext(), inst, part)
	if err != nil {
		return partResult{err: err}
	}
	x, err := export(env)
	if err == nil && x.workloads == nil {
		err = fmt.Errorf("the workloads were not exported one by one")
	}
	return partResult{lib: lib, env: env, x: x, err: err}
}

// joinParts is the spec loaded from its parts; nil when a part failed,
// or when a workload came out of two parts, which no split the syntax
// allows makes.
func joinParts(results []partResult) *loaded {
	first := results[0]
	x := exported{rest: first.x.rest}
	for _, r := range results {
		if r.err != nil || !bytes.Equal(r.x.rest, x.rest) {
			return nil
		}
		x.workloads = append(x.workloads, r.x.workloads...)
	}
	slices.SortFunc(x.workloads, func(a, b exportedWorkload) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(x.workloads); i++ {
		if x.workloads[i].name == x.workloads[i-1].name {
			return nil
		}
	}
	return &loaded{lib: first.lib, exported: x}
}

// partFailure is what one part says is wrong with the spec; fatal when
// an error is more than a value left incomplete.
type partFailure struct {
	lib, env cue.Value
	errs     errors.Error
	fatal    bool
}

// partFailures are the errors of the failed parts as the whole would report
// them: every part's errors in its own workloads, and the first part's in
// the rest of the spec, which every part evaluates. CUE reports values left
// incomplete only where nothing worse is wrong (adt.CombineErrors at
// v0.17.1), so a part whose errors are all incomplete says nothing beside
// one with a fatal error. Not ok where the whole must say it: a part did
// not build (the whole explains that from the syntax), a part's export
// failed where Validate found nothing (the whole reports the first such
// error of its own export), two parts found only incomplete values (of
// which CUE reports some kinds before others), or a part other than the
// first failed outside its workloads while the first did not (which no
// split the syntax allows makes).
func partFailures(results []partResult, part workloadPart) ([]partFailure, bool) {
	var failures []partFailure
	for p, r := range results {
		if r.err == nil {
			continue
		}
		if !r.env.Exists() {
			return nil, false
		}
		verr := r.env.Validate(cue.Concrete(true))
		if verr == nil {
			return nil, false
		}
		var kept errors.Error
		for _, e := range errors.Errors(verr) {
			path := specPath(e.Path())
			inPart := len(path) > 1 && path[0] == workloadsField && part[path[1]] == p
			switch {
			case p == 0 || inPart:
				kept = errors.Append(kept, e)
			case results[0].err == nil:
				return nil, false
			}
		}
		if kept != nil {
			failures = append(failures, partFailure{r.lib, r.env, kept, r.env.Validate() != nil})
		}
	}
	if slices.ContainsFunc(failures, func(f partFailure) bool { return f.fatal }) {
		failures = slices.DeleteFunc(failures, func(f partFailure) bool { return !f.fatal })
	} else if len(failures) > 1 {
		return nil, false
	}
	return failures, len(failures) > 0
}

// diagnostics are the failures' errors, positioned and explained as load
// does those of the whole.
func diagnostics(failures []partFailure, positions model.Positions, srcs []Source) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, f := range failures {
		diags = append(diags, cueDiagnosticsNamed(f.errs, positions, patternNames(f.lib), &explainer{srcs: srcs, env: f.env})...)
	}
	return diags
}

// splitWorkloads shares the spec's workloads out among at most maxParts
// parts, in turn in name order, and says how many; nil when the spec has
// too few for two parts, or when its workloads may not be independent: a
// name refers to one of them or to the field that holds them (self
// included), something other than a field may add to them or check them
// together (an embedding, a comprehension, a pattern of the top level, a
// field whose name is computed), or the library reads them.
func splitWorkloads(merged *ast.File, library []*ast.File) (workloadPart, int) {
	if merged == nil {
		return nil, 0
	}
	decls := specDecls(merged)
	names, values, ok := workloadFields(decls)
	parts := min(maxParts(), len(names)/perPart)
	if !ok || parts < 2 || refersTo(library, workloadsField) {
		return nil, 0
	}
	referred := false
	walkIdents(decls, func(id *ast.Ident) { referred = referred || values[id.Node] || isSelf(id) })
	if referred {
		return nil, 0
	}
	slices.Sort(names)
	part := workloadPart{}
	for i, name := range names {
		part[name] = i % parts
	}
	return part, parts
}

// isSelf says whether id may be CUE's self, which names the struct it is in
// without a declaration to resolve to (predeclared.go of CUE's
// internal/core/compile at v0.17.1; a field called self counts too).
func isSelf(id *ast.Ident) bool {
	return id.Node == nil && (id.Name == "self" || id.Name == "__self")
}

// workloadFields lists the names of the workloads the spec's top-level
// declarations give, and the values a reference to them, or to the
// workloads field, resolves to; not ok when a declaration may add
// workloads that cannot be told from its syntax, or binds a name (an
// alias) that only some parts may refer to.
func workloadFields(decls []ast.Decl) (names []string, values map[ast.Node]bool, ok bool) {
	values = map[ast.Node]bool{}
	seen := map[string]bool{}
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			// A pattern may match workloads, and add a workload or check
			// them together (struct.MaxFields) in every part.
			if bindsName(d) {
				return nil, nil, false
			}
			name, static := fieldName(d.Label)
			if static && name != workloadsField {
				continue
			}
			body, isStruct := d.Value.(*ast.StructLit)
			if !static || !isStruct || d.Constraint != token.ILLEGAL {
				return nil, nil, false
			}
			values[body] = true
			for _, e := range body.Elts {
				member, isWorkload, ok := workloadMember(e)
				if !ok {
					return nil, nil, false
				}
				if isWorkload {
					values[member.Value] = true
					if name, _ := fieldName(member.Label); !seen[name] {
						seen[name] = true
						names = append(names, name)
					}
				}
			}
		case *ast.LetClause, *ast.CommentGroup, *ast.Attribute, *ast.Ellipsis:
		default: // an embedding or a comprehension
			return nil, nil, false
		}
	}
	return names, values, true
}

// workloadMember classifies a declaration of the workloads struct: a
// workload's field, or one every part keeps (a pattern, a let, a hidden
// field or definition, a comment); not ok for one that may add workloads
// or binds a name.
func workloadMember(d ast.Decl) (f *ast.Field, isWorkload, ok bool) {
	switch d := d.(type) {
	case *ast.Field:
		if bindsName(d) {
			return nil, false, false
		}
		if _, pattern := d.Label.(*ast.ListLit); pattern {
			return d, false, true
		}
		name, static := fieldName(d.Label)
		if !static || d.Constraint != token.ILLEGAL {
			return nil, false, false
		}
		return d, !strings.HasPrefix(name, "_") && !strings.HasPrefix(name, "#"), true
	case *ast.LetClause, *ast.CommentGroup, *ast.Attribute, *ast.Ellipsis:
		return nil, false, true
	}
	return nil, false, false
}

// bindsName says whether an alias of f names its label or value: CUE
// rejects an alias nothing refers to, which a part without the workload
// that does would be.
func bindsName(f *ast.Field) bool {
	_, labelAlias := f.Label.(*ast.Alias)
	_, valueAlias := f.Value.(*ast.Alias)
	return labelAlias || valueAlias || f.Alias != nil
}

// fieldName is the name a label gives, static when it is written out (not
// computed, not a pattern). CUE's compiler normalizes a label to NFC
// (internal/core/compile/label.go at v0.17.1), so "é" and "e\u0301" name
// one field: one name here too.
func fieldName(label ast.Label) (name string, static bool) {
	switch label.(type) {
	case *ast.Ident, *ast.BasicLit:
		name, _, err := ast.LabelName(label)
		return norm.NFC.String(name), err == nil
	}
	return "", false
}

// withPart is merged with only the workloads of part p. It copies what it
// changes: merged itself is left as it was. CUE rejects a let or an import
// nothing refers to ("unreferenced alias or let clause"; "imported and not
// used", cue/build/instance.go at v0.17.1), so one that the spec refers to,
// but not from part p, is left out of the part: a let of the spec's top
// level or of its workloads field, or an import of any file.
func withPart(merged *ast.File, part workloadPart, p int) *ast.File {
	decls := specDecls(merged)
	dropped := map[*ast.LetClause]bool{}
	kept := partDecls(decls, part, p, dropped)
	if !slices.ContainsFunc(decls, hasLet) && !slices.ContainsFunc(merged.Decls, isImport) {
		return withSpecDecls(merged, kept)
	}
	used := referenced(decls)
	for {
		// A let left out may have been the only one to refer to another.
		referred := referenced(kept)
		unused := false
		walkPartLets(kept, func(l *ast.LetClause) {
			if used[l] && !referred[l] {
				dropped[l], unused = true, true
			}
		})
		if !unused {
			return withImports(withSpecDecls(merged, kept), func(spec *ast.ImportSpec) bool {
				return referred[spec] || !used[spec]
			})
		}
		kept = partDecls(decls, part, p, dropped)
	}
}

func isImport(d ast.Decl) bool {
	_, ok := d.(*ast.ImportDecl)
	return ok
}

// withImports is file, a copy withSpecDecls made, with only the imports
// keep keeps.
func withImports(file *ast.File, keep func(*ast.ImportSpec) bool) *ast.File {
	decls := make([]ast.Decl, 0, len(file.Decls))
	for _, d := range file.Decls {
		imports, ok := d.(*ast.ImportDecl)
		if !ok {
			decls = append(decls, d)
			continue
		}
		kept := *imports
		kept.Specs = slices.DeleteFunc(slices.Clone(imports.Specs), func(spec *ast.ImportSpec) bool { return !keep(spec) })
		if len(kept.Specs) > 0 {
			decls = append(decls, &kept)
		}
	}
	file.Decls = decls
	return file
}

// partDecls are the spec's declarations with only the workloads of part
// p, and without the lets dropped.
func partDecls(decls []ast.Decl, part workloadPart, p int, dropped map[*ast.LetClause]bool) []ast.Decl {
	kept := make([]ast.Decl, 0, len(decls))
	for _, d := range decls {
		if l, ok := d.(*ast.LetClause); ok && dropped[l] {
			continue
		}
		f, ok := d.(*ast.Field)
		if !ok || !isWorkloadsField(f) {
			kept = append(kept, d)
			continue
		}
		body := *f.Value.(*ast.StructLit) // as splitWorkloads found it
		body.Elts = slices.DeleteFunc(slices.Clone(body.Elts), func(e ast.Decl) bool {
			if l, ok := e.(*ast.LetClause); ok {
				return dropped[l]
			}
			member, isWorkload, _ := workloadMember(e)
			if !isWorkload {
				return false
			}
			name, _ := fieldName(member.Label)
			return part[name] != p
		})
		field := *f
		field.Value = &body
		kept = append(kept, &field)
	}
	return kept
}

// hasLet says whether d is a let, or the workloads field with one.
func hasLet(d ast.Decl) bool {
	found := false
	walkPartLets([]ast.Decl{d}, func(*ast.LetClause) { found = true })
	return found
}

// walkPartLets calls f with each let of the spec's top level and of its
// workloads fields: those a workload may refer to.
func walkPartLets(decls []ast.Decl, f func(*ast.LetClause)) {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.LetClause:
			f(d)
		case *ast.Field:
			if !isWorkloadsField(d) {
				continue
			}
			if body, ok := d.Value.(*ast.StructLit); ok {
				for _, e := range body.Elts {
					if l, ok := e.(*ast.LetClause); ok {
						f(l)
					}
				}
			}
		}
	}
}

// referenced are the lets and imports a name of decls refers to.
func referenced(decls []ast.Decl) map[ast.Node]bool {
	binders := map[ast.Node]bool{}
	walkIdents(decls, func(id *ast.Ident) {
		switch n := id.Node.(type) {
		case *ast.LetClause, *ast.ImportSpec:
			binders[n] = true
		}
	})
	return binders
}

// isWorkloadsField says whether f is the spec's workloads field.
func isWorkloadsField(f *ast.Field) bool {
	name, static := fieldName(f.Label)
	return static && name == workloadsField
}

// refersTo says whether a name of the files refers to a field called name.
func refersTo(files []*ast.File, name string) bool {
	for _, f := range files {
		referred := false
		walkIdents(f.Decls, func(id *ast.Ident) { referred = referred || (id.Name == name && id.Node != nil) })
		for _, id := range f.Unresolved {
			referred = referred || id.Name == name
		}
		if referred {
			return true
		}
	}
	return false
}
