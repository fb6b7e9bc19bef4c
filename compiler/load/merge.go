package load

import (
	"slices"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/ast/astutil"
	"cuelang.org/go/cue/token"
)

// mergeSpec makes one file of the spec's files, for the schema's package:
//
//	package kuberator
//	import ... // every file's imports
//	"kuberator:spec": #Environment & {
//		// every file's declarations, in the files' order
//	}
//
// One struct holds what the package's top level held, so a reference from
// one file to a field of another resolves as it did. It returns nil where
// merging would change what a name of the spec refers to (a let, an alias
// or an import of one file meeting a name of another, each file's own
// before; a name the schema's package declares, which the spec built alone
// cannot see and must not come to depend on), where a hidden field of the
// spec could meet one of the schema's, which the spec's own package kept
// apart, or where the files differ in language features, of which the
// merged file has one set. Those specs are unified the slower way, built
// on their own.
func mergeSpec(files []specFile, library libraryNames) *ast.File {
	if len(files) == 0 || !sameLanguage(files) {
		return nil
	}
	imports, decls, ok := mergedDecls(files)
	if !ok {
		return nil
	}
	// What each name referred to in its own file; the merged file is
	// resolved afresh, and the files' own resolution is put back for the
	// slower way when the merge would change it.
	var saved []resolution
	was := map[*ast.Ident]ast.Node{}
	hidden := false
	walkIdents(decls, func(id *ast.Ident) {
		saved = append(saved, resolution{id, id.Node, id.Scope})
		if id.Node != nil {
			was[id] = id.Node
		}
		hidden = hidden || library.hidden[id.Name]
	})
	if hidden {
		return nil
	}
	for _, r := range saved {
		r.id.Node, r.id.Scope = nil, nil
	}
	// CUE compiles a file with the language features (experiments) of its
	// first position's file: the user's, not none.
	pkg := &ast.Package{Name: ast.NewIdent("kuberator")}
	ast.SetPos(pkg, files[0].file.Pos())
	out := []ast.Decl{pkg}
	if len(imports) > 0 {
		out = append(out, &ast.ImportDecl{Specs: imports})
	}
	environment := ast.NewIdent("#Environment")
	out = append(out, &ast.Field{
		Label: ast.NewString(specField),
		Value: &ast.BinaryExpr{X: environment, Op: token.AND, Y: &ast.StructLit{Elts: decls}},
	})
	merged := &ast.File{Filename: "kuberator-spec.cue", Decls: out}
	clash := false // two files' names in one scope: an alias or let redeclared
	astutil.Resolve(merged, func(token.Pos, string, ...any) { clash = true })
	top := topLevelFields(decls)
	// Files without a package clause never see each other's fields: a
	// name one leaves unresolved is a builtin's, not another file's field.
	shared := files[0].file.PackageName() != ""
	walkIdents(decls, func(id *ast.Ident) {
		clash = clash || !sameReference(was[id], id.Node, top, shared)
	})
	for _, id := range merged.Unresolved {
		clash = clash || (id != environment && library.declared[id.Name])
	}
	if clash {
		for _, r := range saved {
			r.id.Node, r.id.Scope = r.node, r.scope
		}
		return nil
	}
	return merged
}

// specDecls are the spec's declarations in a file mergeSpec made: the
// struct its last declaration unifies #Environment with.
func specDecls(merged *ast.File) []ast.Decl {
	return specStruct(merged).Elts
}

// withSpecDecls is a copy of a file mergeSpec made with other declarations
// for the spec; merged itself is left as it was.
func withSpecDecls(merged *ast.File, decls []ast.Decl) *ast.File {
	spec := *merged.Decls[len(merged.Decls)-1].(*ast.Field)
	unified := *spec.Value.(*ast.BinaryExpr)
	body := *specStruct(merged)
	body.Elts = decls
	unified.Y, spec.Value = &body, &unified
	file := *merged
	file.Unresolved = slices.Clone(merged.Unresolved) // building edits it in place
	file.Decls = append(slices.Clone(merged.Decls[:len(merged.Decls)-1]), &spec)
	return &file
}

func specStruct(merged *ast.File) *ast.StructLit {
	spec := merged.Decls[len(merged.Decls)-1].(*ast.Field)
	return spec.Value.(*ast.BinaryExpr).Y.(*ast.StructLit)
}

// resolution is what an identifier was resolved to.
type resolution struct {
	id          *ast.Ident
	node, scope ast.Node
}

// sameLanguage says whether the files are compiled with the same language
// features (a file's @experiment attributes, its language version): the
// merged file has one set.
func sameLanguage(files []specFile) bool {
	for _, f := range files[1:] {
		if f.file.Pos().Experiment() != files[0].file.Pos().Experiment() {
			return false
		}
	}
	return true
}

// mergedDecls are the files' declarations and their imports, each import
// once; not ok when one name imports two packages.
func mergedDecls(files []specFile) (imports []*ast.ImportSpec, decls []ast.Decl, ok bool) {
	importPaths := map[string]string{} // name a file refers to → import path
	for _, f := range files {
		for _, d := range f.file.Decls {
			switch x := d.(type) {
			case *ast.Package:
				continue
			case *ast.ImportDecl:
				for _, spec := range x.Specs {
					info, err := astutil.ParseImportSpec(spec)
					if err != nil {
						return nil, nil, false
					}
					if path, seen := importPaths[info.Ident]; seen {
						if path != info.ID {
							return nil, nil, false
						}
						continue
					}
					importPaths[info.Ident] = info.ID
					imports = append(imports, spec)
				}
				continue
			}
			decls = append(decls, d)
		}
	}
	return imports, decls, true
}

// sameReference says whether a name the merge resolved refers to what it
// did in its own file: the same declaration, a top-level field of the same
// label (the files' top levels are one struct, as a package's are), or an
// import of the same package. In files of one package (shared), a name its
// file left to the package may now name a top-level field, as the package
// would have.
func sameReference(was, is ast.Node, top map[ast.Node]string, shared bool) bool {
	if was == is {
		return true
	}
	if label, ok := top[is]; ok {
		wasLabel, wasTop := top[was]
		return (was == nil && shared) || (wasTop && wasLabel == label)
	}
	a, ok := was.(*ast.ImportSpec)
	b, ok2 := is.(*ast.ImportSpec)
	return ok && ok2 && a.Path.Value == b.Path.Value
}

// topLevelFields are what a reference to a field among decls resolves to
// (its value, as astutil.Resolve records it), with the field's label.
func topLevelFields(decls []ast.Decl) map[ast.Node]string {
	top := map[ast.Node]string{}
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if label, isIdent, err := ast.LabelName(f.Label); err == nil && isIdent {
			v := f.Value
			if a, ok := v.(*ast.Alias); ok {
				v = a.Expr
			}
			top[v] = label
		}
	}
	return top
}

func walkIdents(decls []ast.Decl, f func(*ast.Ident)) {
	for _, d := range decls {
		ast.Walk(d, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				f(id)
			}
			return true
		}, nil)
	}
}

// libraryNames are the names of the schema's package a merged spec must
// not meet: what its files declare at their top level, and every hidden
// name they use, at any depth.
type libraryNames struct {
	declared, hidden map[string]bool
}

func namesOf(files []*ast.File) libraryNames {
	names := libraryNames{declared: map[string]bool{}, hidden: map[string]bool{}}
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(field.Label); err == nil {
					names.declared[name] = true
				}
			}
		}
		walkIdents(f.Decls, func(id *ast.Ident) {
			if len(id.Name) > 1 && id.Name[0] == '_' {
				names.hidden[id.Name] = true
			}
		})
	}
	return names
}
