// Package check holds the platform rules that need more than the schema:
// arithmetic, a view across the environment, or what the previous output
// says. Each rule reads the model and the plan and reports diagnostics at
// the spec field it is about. A check never changes what it reads, and
// reads no files: facts from the output directory come in as data.
package check

import (
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Spec runs the rules over a loaded spec and its resolved plan (add-ons and
// instance figures): those that need no derived arithmetic.
func Spec(env *model.Environment, cat *model.Catalog, p *plan.Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	checkTags(env, &ds)
	checkNetwork(env, &ds)
	checkCluster(env, &ds)
	checkNodeGroups(env, &ds)
	checkRefreshPreferences(env, &ds)
	checkInstanceTypes(env, cat, &ds)
	checkAddons(env, cat, p, &ds)
	checkHosts(env, p, &ds)
	checkGitOpsRootInside(env, &ds)
	checkWorkloads(env, p, &ds)
	checkImages(env, cat, &ds)
	checkMetrics(env, p, &ds)
	checkBounds(env, &ds)
	checkAddresses(env, &ds)
	checkKubeNames(env, &ds)
	checkAWSPath(env, &ds)
	checkAlerts(env, p, &ds)
	checkOperations(env, &ds)
	return ds
}

// Plan runs the rules that need the derived plan: capacity, what routine
// disruptions leave running, and the lengths of generated names.
func Plan(env *model.Environment, p *plan.Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	checkCapacity(env, p, &ds)
	checkNames(env, p, &ds)
	if !ds.HasErrors(false) {
		checkDisruptions(env, p, &ds)
	}
	return ds
}

// Output is what the output directory says, read by the entry point for
// the rules that compare the spec with it.
type Output struct {
	// Dir is the output directory as the user named it.
	Dir string
	// InRepository says Dir lies in a git repository; RepositoryPath is
	// then Dir relative to the repository's root, slash-separated.
	InRepository   bool
	RepositoryPath string
	// ManifestsPresent says the spec's manifests directory holds a
	// kustomization.yaml.
	ManifestsPresent bool
	// Desired holds each existing ASG's desired capacity, by ASG key, as
	// the committed Terraform sets it.
	Desired map[string]int
	// Kubernetes is the version the committed Terraform gives the cluster;
	// "" when the directory holds none.
	Kubernetes string
	// ClusterInPrivateSubnets says the committed Terraform has the cluster's
	// interfaces in the private subnets, as releases before the
	// control-plane subnets did.
	ClusterInPrivateSubnets bool
	// Custom are the objects of the team's own manifests (the spec's
	// manifests directory), where their files say them.
	Custom []CustomObject
}

// CustomObject is one object of a hand-written manifest: its apiVersion
// and kind, at the position of its apiVersion.
type CustomObject struct {
	APIVersion, Kind string
	Pos              model.Pos
}

// Against runs the rules that compare the spec with the output directory;
// p is nil when the plan could not be derived.
func Against(env *model.Environment, p *plan.Plan, out *Output) diag.Diagnostics {
	var ds diag.Diagnostics
	checkGitOpsRoot(env, out, &ds)
	checkManifests(env, out, &ds)
	checkCustomAPIs(env, out, &ds)
	checkUpgrade(env, out, &ds)
	checkControlPlaneMove(env, out, &ds)
	if p != nil {
		checkDesired(env, p, out, &ds)
	}
	return ds
}
