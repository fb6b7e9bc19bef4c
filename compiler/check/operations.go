package check

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// checkOperations covers what a team needs to run the Terraform: where its
// state lives and who can reach the cluster.
func checkOperations(env *model.Environment, ds *diag.Diagnostics) {
	checkBackend(env, ds)
	checkAccess(env, ds)
}

// checkBackend applies the S3 bucket naming rules the schema's pattern
// cannot say (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
func checkBackend(env *model.Environment, ds *diag.Diagnostics) {
	b := env.Terraform.Backend
	if b == nil {
		return
	}
	name := b.S3.Bucket
	pos := env.Positions.Of("terraform", "backend", "s3", "bucket")
	why := ""
	switch {
	case strings.Contains(name, ".."):
		why = "it has two adjacent periods"
	case isIPv4(name):
		why = "it is formatted as an IP address"
	case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") || strings.HasPrefix(name, "amzn-s3-demo-"):
		why = "it starts with a prefix S3 reserves"
	case strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3") || strings.HasSuffix(name, ".mrap") || strings.HasSuffix(name, "--x-s3"):
		why = "it ends with a suffix S3 reserves"
	}
	if why != "" {
		ds.Errorf(pos, "choose a bucket name of lowercase letters, digits and hyphens, such as example-terraform-state",
			"%q is not a valid S3 bucket name: %s", name, why)
	}
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// checkAccess: one access entry per principal with its policies, policies
// that make sense in their scope, and someone left to administer the cluster.
func checkAccess(env *model.Environment, ds *diag.Diagnostics) {
	seen := map[string]bool{}
	for i, a := range env.Access {
		pos := env.Positions.Of("access", strconv.Itoa(i))
		if a.Policy == "clusterAdmin" && len(a.Namespaces) > 0 {
			ds.Errorf(env.Positions.Of("access", strconv.Itoa(i), "namespaces"), `use policy: "admin" for namespaces, or drop namespaces`,
				"clusterAdmin (AmazonEKSClusterAdminPolicy) applies to the whole cluster; it cannot be limited to namespaces")
		}
		key := a.Principal + " " + a.Policy
		if seen[key] {
			ds.Errorf(pos, "merge the entries: list all the namespaces in one", "%s is given %s twice", a.Principal, a.Policy)
		}
		seen[key] = true
	}
	if *env.Cluster.BootstrapCreatorAdmin || slices.ContainsFunc(env.Access, clusterWideAdmin) {
		return
	}
	pos := env.Positions.Of("cluster", "bootstrapCreatorAdmin")
	if len(env.Access) > 0 {
		pos = env.Positions.Of("access")
	}
	ds.Warnf(diag.NoClusterAdmin, pos, `give a role policy: "clusterAdmin" in access`,
		"no one would administer the cluster: the creator gets no admin access and access names no clusterAdmin or cluster-wide admin")
}

func clusterWideAdmin(a model.AccessEntry) bool {
	return (a.Policy == "clusterAdmin" || a.Policy == "admin") && len(a.Namespaces) == 0
}

// checkControlPlaneMove warns when this build moves an existing cluster
// onto its control-plane subnets and closes the add-on namespaces in the
// same change: Flux may apply the policies before Terraform has moved the
// cluster, and until it has, the control plane reaches no webhook or
// APIService.
func checkControlPlaneMove(env *model.Environment, out *Output, ds *diag.Diagnostics) {
	if !env.Cluster.AddonNetworkPolicies && out.Kubernetes != "" && !out.ClusterInPrivateSubnets {
		// Held back, and the output already has the cluster moved: say so,
		// or the add-on namespaces stay open once that is applied.
		ds.Notef(env.Positions.Of("cluster", "addonNetworkPolicies"),
			"once this Terraform is applied, remove cluster.addonNetworkPolicies: false and build again",
			"the add-on namespaces stay open: their NetworkPolicies are held back")
		return
	}
	if !out.ClusterInPrivateSubnets || !env.Cluster.AddonNetworkPolicies {
		return
	}
	ds.Warnf(diag.ControlPlaneMove, env.Positions.Of("cluster"),
		"set cluster.addonNetworkPolicies: false, build and apply the Terraform, then remove it; or apply this Terraform before Flux reconciles the change",
		"this build moves the EKS control plane onto its own subnets and lets it into the add-on namespaces only from there: while Flux has applied the NetworkPolicies and Terraform has not yet moved the cluster, every webhook and APIService fails")
}

// checkDesired warns when the spec changes perZone.desired of an ASG the
// output directory already holds: desired_capacity applies only when the
// group is created (Terraform ignores it after, and the cluster autoscaler
// owns the size), so the change would show as drift and never happen.
func checkDesired(env *model.Environment, p *plan.Plan, out *Output, ds *diag.Diagnostics) {
	for _, g := range p.Groups {
		for _, a := range g.ASGs {
			old, ok := out.Desired[a.Key]
			if !ok || old == a.Desired {
				continue
			}
			ds.Warnf(diag.DesiredIgnored, env.Positions.Of("nodeGroups", g.Name, "perZone", "desired"),
				"change perZone.min or max to resize a running group; desired only sizes a new one",
				"perZone.desired of %s changes from %d to %d, but an existing ASG keeps its size: the cluster autoscaler owns it after creation, and Terraform ignores desired_capacity",
				a.Name, old, a.Desired)
			break // once per group
		}
	}
}
