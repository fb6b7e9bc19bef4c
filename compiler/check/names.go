package check

import (
	"fmt"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// A derivedName is a name kuberatorc builds from spec fields for an AWS
// resource, with the resource's limit and the field that makes it long.
type derivedName struct {
	what  string
	name  string
	limit int
	field []string
}

// terraformPrefixSuffix is what Terraform appends to a name_prefix.
const terraformPrefixSuffix = 26

// derivedNames lists the names the Terraform emitter builds, as it builds
// them (a test keeps the two in step).
func derivedNames(env *model.Environment, p *plan.Plan) []derivedName {
	role := func(suffix string) derivedName {
		return derivedName{"IAM role name", plan.RoleName(env.Name, suffix), 64, []string{"name"}}
	}
	out := []derivedName{
		{"EKS cluster name", p.ClusterName, 100, []string{"name"}},
		role("eks-cluster"), role("eks-node"),
		{"instance profile name", plan.InstanceProfileName(env.Name), 128, []string{"name"}},
		{"CloudWatch log group name", plan.ContainerLogGroup(p.ClusterName), 512, []string{"name"}},
		{"CloudWatch log group name", plan.ClusterLogGroup(p.ClusterName), 512, []string{"name"}},
		{"KMS alias", plan.KMSAlias(env.Name, "logs"), 256, []string{"name"}},
		{"KMS alias", plan.KMSAlias(env.Name, "eks"), 256, []string{"name"}},
	}
	if env.Network.FlowLogs.Enabled && env.Network.FlowLogs.Destination == "cloudwatch" {
		out = append(out, role("vpc-flow-logs"),
			derivedName{"CloudWatch log group name", plan.FlowLogGroup(p.ClusterName), 512, []string{"name"}})
	}
	if p.Runs(plan.TerminationHandler) {
		out = append(out, derivedName{"SQS queue name", plan.TerminationQueue(p.ClusterName), 80, []string{"name"}})
		for _, rule := range plan.TerminationRules {
			out = append(out, derivedName{"EventBridge rule name", plan.TerminationRuleName(p.ClusterName, rule), 64, []string{"name"}})
		}
	}
	for _, name := range model.SortedKeys(p.Addons) {
		if c := p.Addons[name].Catalog; c != nil && len(c.Policy) > 0 {
			out = append(out, role(name))
		}
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		if w := env.Workloads[name]; w.AWS != nil && len(w.AWS.Statements)+len(w.AWS.ManagedPolicies) > 0 {
			out = append(out, derivedName{"IAM role name", plan.RoleName(env.Name, name), 64, []string{"workloads", name}})
		}
	}
	for _, w := range env.Workloads {
		if w.Stateful && w.Volume != nil {
			out = append(out, role("ebs-csi"))
			break
		}
	}
	for _, g := range p.Groups {
		for _, a := range g.ASGs {
			out = append(out,
				derivedName{"launch template name prefix", a.Name + "-", 128 - terraformPrefixSuffix, []string{"nodeGroups", g.Name}},
				derivedName{"auto-scaling group name", a.Name, 255, []string{"nodeGroups", g.Name}})
		}
	}
	return out
}

// checkNames reports every derived name over its resource's limit at the
// field that makes it long, saying how many characters that field may have.
func checkNames(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	seen := map[string]bool{}
	for _, n := range derivedNames(env, p) {
		over := len(n.name) - n.limit
		if over <= 0 || seen[n.what+n.name] {
			continue
		}
		seen[n.what+n.name] = true
		field, length := "name", len(env.Name)
		if n.field[0] == "nodeGroups" {
			field, length = "the node group's name", len(n.field[1])
		}
		ds.Errorf(env.Positions.Of(n.field...), fmt.Sprintf("shorten %s by %d characters (to at most %d)", field, over, length-over),
			"the %s %q has %d characters; AWS allows %d", n.what, n.name, len(n.name), n.limit)
	}
}

// checkKubeNames reports every Kubernetes name or label value kuberatorc
// derives (plan.KubeNames) over its limit, at the field that makes it
// long: the API refuses it, or (a StatefulSet's revision label, a Flux
// Kustomization's name on its objects) refuses what it makes, and the
// deploy fails with nothing applied.
func checkKubeNames(env *model.Environment, ds *diag.Diagnostics) {
	seen := map[string]bool{}
	for _, n := range plan.KubeNames(env) {
		over := len(n.Name) - n.Limit
		if over <= 0 || seen[n.What+n.Name] {
			continue
		}
		seen[n.What+n.Name] = true
		hint := fmt.Sprintf("shorten the environment's name by %d characters (to at most %d)", over, len(env.Name)-over)
		if n.Field[0] == "workloads" {
			hint = fmt.Sprintf("shorten workload %s's name by %d characters (to at most %d), or the environment's", n.Field[1], over, len(n.Field[1])-over)
		}
		ds.Errorf(env.Positions.Of(n.Field...), hint, "the %s %q has %d characters; Kubernetes allows %d", n.What, n.Name, len(n.Name), n.Limit)
	}
}
