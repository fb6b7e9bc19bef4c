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

// isFileContent says a spec path is a file a workload mounts:
// workloads.<name>.files.<path>.
func isFileContent(path []string) bool {
	return len(path) == 4 && path[0] == "workloads" && path[2] == "files"
}

// checkAssigned reports a secret a file's content assigns to a key that
// names one (password: …, api_key = …): the file becomes a ConfigMap,
// which anyone who may read the namespace reads.
func checkAssigned(ds *diag.Diagnostics, content string, pos model.Pos) {
	if what, _, _ := diag.FindSecret(content); what != "" {
		return // checkLiteral has reported it
	}
	if start, end := diag.FindAssignedSecret(content); start >= 0 {
		ds.Errorf(pos, `deliver it as an env value from SSM ({ssmParameter: "/path"}) and read it from the environment, or mount a Secret`,
			"the file assigns a secret (%s): a file becomes a ConfigMap, readable by anyone who may read the namespace",
			strconv.Quote(diag.Redact(content[max(0, start-20):end])))
	}
}
