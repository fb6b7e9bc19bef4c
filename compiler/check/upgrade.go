package check

import (
	"fmt"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// checkUpgrade: EKS moves a control plane one minor at a time and never
// back, so cluster.version may differ from the version the committed
// Terraform gives the cluster by one minor up, no more, and never down.
// Otherwise the apply fails half-way, after other resources changed.
func checkUpgrade(env *model.Environment, out *Output, ds *diag.Diagnostics) {
	from, to := out.Kubernetes, env.Cluster.Version
	if from == "" || from == to {
		return
	}
	pos := env.Positions.Of("cluster", "version")
	switch step := minorOf(to) - minorOf(from); {
	case step < 0:
		ds.Errorf(pos, fmt.Sprintf("set version back to %q: to run %s, create a new cluster (a new environment) and move to it", from, to),
			"cluster.version goes down from %s (the committed Terraform in %s) to %s: EKS never downgrades a cluster", from, out.Dir, to)
	case step > 1:
		next := fmt.Sprintf("1.%d", minorOf(from)+1)
		ds.Errorf(pos, fmt.Sprintf("set version: %q, build, apply, and let the nodes roll; then the next minor", next),
			"cluster.version jumps from %s (the committed Terraform in %s) to %s: EKS upgrades a control plane one minor at a time, so the apply would fail half-way",
			from, out.Dir, to)
	}
}

// checkCustomAPIs: every object of the team's own manifests must be of an
// API version the cluster's minor serves; Flux's dry-run refuses the whole
// apps layer otherwise.
func checkCustomAPIs(env *model.Environment, out *Output, ds *diag.Diagnostics) {
	for _, o := range out.Custom {
		if r, removed := plan.Removed(o.APIVersion, o.Kind, env.Cluster.Version); removed {
			ds.Errorf(o.Pos, "move it to "+r.Use+" (the Kubernetes Deprecated API Migration Guide says what changes)",
				"%s %s is no longer served as of Kubernetes %s, and the cluster runs %s", o.Kind, o.APIVersion, r.In, env.Cluster.Version)
		}
	}
}
