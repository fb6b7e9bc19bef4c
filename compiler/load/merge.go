package load

import (
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
// that would change the spec's meaning: two files declaring the same let
// (each file's own before), or one import name for two packages. Those
// specs are unified the slower way, built on their own. So are those that
// refer to a name the schema's package declares (library): on their own,
// the name is not found, and the spec must not come to depend on it.
func mergeSpec(files []specFile, library map[string]bool) *ast.File {
	var imports []*ast.ImportSpec
	importPaths := map[string]string{} // name a file refers to → import path
	lets := map[string]bool{}
	var decls []ast.Decl
	for _, f := range files {
		for _, d := range f.file.Decls {
			switch x := d.(type) {
			case *ast.Package:
				continue
			case *ast.ImportDecl:
				for _, spec := range x.Specs {
					info, err := astutil.ParseImportSpec(spec)
					if err != nil {
						return nil
					}
					if path, seen := importPaths[info.Ident]; seen {
						if path != info.ID {
							return nil
						}
						continue
					}
					importPaths[info.Ident] = info.ID
					imports = append(imports, spec)
				}
				continue
			case *ast.LetClause:
				if lets[x.Ident.Name] {
					return nil
				}
				lets[x.Ident.Name] = true
			}
			decls = append(decls, d)
		}
	}
	// The parser resolved each identifier within its own file; the merged
	// file is resolved afresh when it joins the instance.
	for _, d := range decls {
		ast.Walk(d, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				id.Node, id.Scope = nil, nil
			}
			return true
		}, nil)
	}
	out := []ast.Decl{&ast.Package{Name: ast.NewIdent("kuberator")}}
	if len(imports) > 0 {
		out = append(out, &ast.ImportDecl{Specs: imports})
	}
	environment := ast.NewIdent("#Environment")
	out = append(out, &ast.Field{
		Label: ast.NewString(specField),
		Value: &ast.BinaryExpr{X: environment, Op: token.AND, Y: &ast.StructLit{Elts: decls}},
	})
	merged := &ast.File{Filename: "kuberator-spec.cue", Decls: out}
	astutil.Resolve(merged, func(token.Pos, string, ...any) {}) // AddSyntax reports them
	for _, id := range merged.Unresolved {
		if id != environment && library[id.Name] {
			return nil
		}
	}
	return merged
}

// declaredNames are the names a package's files declare at their top level.
func declaredNames(files []*ast.File) map[string]bool {
	names := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(field.Label); err == nil {
					names[name] = true
				}
			}
		}
	}
	return names
}
