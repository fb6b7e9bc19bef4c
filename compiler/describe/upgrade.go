package describe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Before is what the output directory holds of an environment, as the
// last build wrote it: the Kubernetes version its Terraform gives the
// cluster, the chart version of each HelmRelease, by release, and whether
// the cluster's interfaces sat in the private subnets.
type Before struct {
	Kubernetes string
	Charts     map[string]string
	// ClusterInPrivateSubnets: this build moves the control plane to its
	// own subnets, which the add-on NetworkPolicies let in.
	ClusterInPrivateSubnets bool
}

// UpgradeInfo is the plan of a Kubernetes minor upgrade: what happens, in
// what order, and what to watch.
type UpgradeInfo struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Steps []string `json:"steps"`
	// Charts are the add-ons whose chart version changes with it.
	Charts []ChartChange `json:"charts"`
	// Roll says which nodes are replaced, and RollMinutes about how long
	// that takes, as RollEstimate explains.
	Roll         []string `json:"roll"`
	RollMinutes  int      `json:"rollMinutes"`
	RollEstimate string   `json:"rollEstimate"`
	KubeletSkew  string   `json:"kubeletSkew"`
	Watch        []string `json:"watch"`
}

// ChartChange is one add-on's chart version before and after.
type ChartChange struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// NodeJoinSeconds is a rough figure for an instance to boot, join and
// turn Ready: EC2's launch, nodeadm's join and the kubelet's registration.
const NodeJoinSeconds = 300

// MaxKubeletSkew is how many minors a kubelet may lag the API server
// (Kubernetes version-skew policy, from 1.28 on: three).
const MaxKubeletSkew = 3

func describeUpgrade(env *model.Environment, p *plan.Plan, before *Before) *UpgradeInfo {
	if before == nil || before.Kubernetes == "" || before.Kubernetes == env.Cluster.Version {
		return nil
	}
	from, to := before.Kubernetes, env.Cluster.Version
	u := &UpgradeInfo{From: from, To: to, Charts: []ChartChange{}}
	for _, name := range model.SortedKeys(p.Addons) {
		a := p.Addons[name]
		if a.Catalog == nil {
			continue
		}
		pin, _ := a.Catalog.Pin(to)
		now := firstOf(a.ChartVersion, pin.Version, a.Catalog.Version)
		if was, ok := before.Charts[a.Catalog.Release]; ok && was != now {
			u.Charts = append(u.Charts, ChartChange{Name: name, From: was, To: now})
		}
	}
	managed := []string{"vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"}
	if plan.NeedsEBS(env) {
		managed = append(managed, "aws-ebs-csi-driver")
	}
	tf, cluster := layout.Terraform(env.Name), layout.Cluster(env.Name)
	u.Steps = []string{
		fmt.Sprintf("terraform apply in %s: EKS upgrades the control plane from %s to %s, then moves the managed add-ons (%s) to their default versions for %s",
			tf, from, to, strings.Join(managed, ", "), to),
		fmt.Sprintf("in the same apply, once the control plane runs %s: the launch templates take the %s AMI, and each ASG starts an instance refresh that launches before it terminates", to, to),
		fmt.Sprintf("then push the commit: Flux (%s) moves the charts that change with the minor", cluster),
		fmt.Sprintf("only when every node runs %s: the next minor", to),
	}
	if len(u.Charts) == 0 {
		u.Steps[2] = "then push the commit: no chart changes with the minor"
	}
	u.Roll, u.RollMinutes, u.RollEstimate = roll(env, p)
	u.KubeletSkew = fmt.Sprintf("while they roll, nodes run %s under a %s control plane: %d minor behind, within the %d the version-skew policy allows",
		from, to, minorOf(to)-minorOf(from), MaxKubeletSkew)
	u.Watch = []string{
		"aws eks describe-update: the control plane's update to " + to,
		"aws autoscaling describe-instance-refreshes, for each ASG",
		"kubectl get nodes -L " + plan.LabelGroup + ": every node's kubelet version reaches " + to,
		"kubectl get pdb -A: a budget at 0 allowed disruptions holds up a drain",
		"flux get kustomizations and flux get helmreleases -A: every one Ready after the push",
	}
	return u
}

// roll names every ASG that an upgrade replaces and estimates how long the
// slowest takes: its nodes in batches of the refresh's surge (launch
// first) or its terminate-first share, each batch a node's join plus the
// drain of the one it replaces. ASGs roll side by side.
func roll(env *model.Environment, p *plan.Plan) ([]string, int, string) {
	var names []string
	longest, why := 0, ""
	drain := p.DrainBudget(env)
	for _, g := range p.Groups {
		for _, a := range g.ASGs {
			names = append(names, a.Name)
			batch := plan.Surge(a.Desired, g.Spec.InstanceRefresh)
			if g.Spec.InstanceRefresh.MinHealthyPercentage < 100 {
				batch = max(1, a.Desired-a.Desired*g.Spec.InstanceRefresh.MinHealthyPercentage/100)
			}
			batches := (a.Desired + max(batch, 1) - 1) / max(batch, 1)
			if secs := batches * (NodeJoinSeconds + drain.NodeSeconds); secs > longest {
				longest = secs
				why = fmt.Sprintf("%s: %d node(s) in %d batch(es), each about %d s to launch and join plus up to %d s to drain",
					a.Name, a.Desired, batches, NodeJoinSeconds, drain.NodeSeconds)
			}
		}
	}
	slices.Sort(names)
	return names, (longest + 59) / 60, why
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func minorOf(version string) int {
	var major, minor int
	fmt.Sscanf(version, "%d.%d", &major, &minor)
	return minor
}
