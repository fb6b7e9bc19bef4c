// Package tfjson builds files in Terraform's JSON configuration syntax for the
// emitters: nested blocks by label, "${...}" references, and deterministic
// bytes (sorted keys, two-space indent, trailing newline).
package tfjson

import (
	"fmt"
	"maps"
	"path"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// Obj is a JSON object of the syntax: a block body or a nested value.
type Obj = map[string]any

// Module is one .tf.json file under construction.
type Module Obj

// Block returns the body at a label path ("resource", type, name), creating it.
func (m Module) Block(labels ...string) Obj {
	cur := Obj(m)
	for _, l := range labels {
		next, ok := cur[l].(Obj)
		if !ok {
			next = Obj{}
			cur[l] = next
		}
		cur = next
	}
	return cur
}

func (m Module) Resource(typ, name string, body Obj) { maps.Copy(m.Block("resource", typ, name), body) }
func (m Module) Data(typ, name string, body Obj)     { maps.Copy(m.Block("data", typ, name), body) }
func (m Module) Variable(name string, body Obj)      { maps.Copy(m.Block("variable", name), body) }
func (m Module) Output(name string, body Obj)        { maps.Copy(m.Block("output", name), body) }
func (m Module) Provider(name string, body Obj)      { maps.Copy(m.Block("provider", name), body) }
func (m Module) Local(name string, v any)            { m.Block("locals")[name] = v }

// Ref makes a Terraform interpolation of an expression.
func Ref(format string, args ...any) string { return "${" + fmt.Sprintf(format, args...) + "}" }

// Files encodes modules by file name into dir; an empty module writes no file.
func Files(dir string, modules map[string]Module) (fileset.FileSet, error) {
	out := fileset.FileSet{}
	for name, m := range modules {
		if len(m) == 0 {
			continue
		}
		data, err := fileset.JSON(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[path.Join(dir, name)] = data
	}
	return out, nil
}
