// Package tfjson builds files in Terraform's JSON configuration syntax for the
// emitters: nested blocks by label, "${...}" references, and deterministic
// bytes (sorted keys, two-space indent, trailing newline).
package tfjson

import (
	"fmt"
	"maps"
	"path"
	"strings"

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

// Live marks where an interpolation kuberatorc wrote begins. Every other
// "${" and "%{" in a string is text (from the spec, or a literal of ours) and
// is escaped when the file is encoded, so that nothing a spec says can become
// a live template: one place, whatever the emitter. The mark is a
// private-use character the compiler refuses in a spec, and one that JSON
// encoding leaves alone (policies are JSON inside strings).
const Live = "\ue000{"

// Ref makes a Terraform interpolation of an expression.
func Ref(format string, args ...any) string { return Live + fmt.Sprintf(format, args...) + "}" }

var escapeTemplates = strings.NewReplacer("${", "$${", "%{", "%%{")

// text turns a string into its Terraform JSON form: templates escaped, the
// generator's own interpolations live.
func text(s string) string {
	return strings.ReplaceAll(escapeTemplates.Replace(s), Live, "${")
}

// literalOnly are the top-level blocks whose strings Terraform reads as
// literals (a variable's default, provider requirements), and the
// meta-arguments that take addresses, not templates.
var literalOnly = map[string]bool{"terraform": true, "variable": true, "depends_on": true, "lifecycle": true}

// encode rewrites every string of a block body: escaped where Terraform
// evaluates templates, only unmarked where it does not.
func encode(v any, templates bool) any {
	switch v := v.(type) {
	case string:
		if !templates {
			return strings.ReplaceAll(v, Live, "${")
		}
		return text(v)
	case Module:
		return encode(Obj(v), templates)
	case Obj:
		out := Obj{}
		for k, x := range v {
			out[k] = encode(x, templates && !literalOnly[k])
		}
		return out
	case map[string]string:
		out := Obj{}
		for k, x := range v {
			out[k] = encode(x, templates)
		}
		return out
	case []Obj:
		return encodeList(v, templates)
	case []any:
		return encodeList(v, templates)
	case []string:
		return encodeList(v, templates)
	}
	return v
}

func encodeList[T any](l []T, templates bool) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = encode(x, templates)
	}
	return out
}

// Files encodes modules by file name into dir; an empty module writes no file.
func Files(dir string, modules map[string]Module) (fileset.FileSet, error) {
	out := fileset.FileSet{}
	for name, m := range modules {
		if len(m) == 0 {
			continue
		}
		data, err := fileset.JSON(encode(m, true))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[path.Join(dir, name)] = data
	}
	return out, nil
}
