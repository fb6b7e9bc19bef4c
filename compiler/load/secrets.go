package load

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/emitters/tfjson"
)

// checkLiteral reports a string of the spec, or a field name, that looks like
// a credential, or that holds the character the Terraform emitters use to
// mark their own interpolations.
func checkLiteral(ds *diag.Diagnostics, s string, pos model.Pos) {
	if strings.Contains(s, tfjson.Live[:3]) {
		ds.Errorf(pos, "remove the character U+E000", "%s holds U+E000, a private-use character kuberatorc reserves", strconv.Quote(diag.Abbreviate(s)))
		return
	}
	if what, _, _ := diag.FindSecret(s); what != "" {
		ds.Errorf(pos, `keep secrets out of the spec: reference them ({ssmParameter: "/path"} or {variable: "name"}, or a Kubernetes Secret)`,
			"%s looks like %s; a spec holds references to secrets, never the secrets", strconv.Quote(diag.Abbreviate(s)), what)
	}
}

// labelPos is where a field's name is written.
func labelPos(v cue.Value) model.Pos {
	if src, ok := v.Source().(*ast.Field); ok {
		return posOf(src.Label.Pos())
	}
	return posOf(v.Pos())
}
