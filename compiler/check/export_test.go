package check

import (
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// DerivedNames lists the names checkNames knows, as "<what> <name>", for
// the external test that compares them with the emitted output.
func DerivedNames(env *model.Environment, p *plan.Plan) []string {
	var out []string
	for _, n := range derivedNames(env, p) {
		out = append(out, n.what+" "+n.name)
	}
	return out
}
