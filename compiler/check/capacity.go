package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/text"
)

// MinSubnetAddresses is the floor for a subnet that holds nodes: pods take
// VPC addresses, and a subnet that runs dry stops scheduling in its zone.
const MinSubnetAddresses = 2000

// checkInstanceTypes: every instance type a node group names has figures,
// from the spec's instanceCatalog or the stdlib's.
func checkInstanceTypes(env *model.Environment, cat *model.Catalog, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.NodeGroups) {
		for i, t := range env.NodeGroups[name].InstanceTypes {
			if _, ok := cat.Instances[t]; !ok {
				ds.Errorf(env.Positions.Of("nodeGroups", name, "instanceTypes", strconv.Itoa(i)),
					text.Suggest(t, cat.InstanceNames)+" Or give its figures in instanceCatalog.",
					"instance type %q is not in the catalog", t)
			}
		}
	}
}

// checkCapacity runs the rules that need the plan's arithmetic.
func checkCapacity(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	checkIPBudget(env, p, ds)
	checkCoreDNS(env, p, ds)
	checkReservations(env, p, ds)
	checkStatefulZones(env, p, ds)
}

func checkIPBudget(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	pos := env.Positions.Of("network", "subnets", "private", "prefixLength")
	for _, z := range p.Zones {
		if len(z.Demand) == 0 {
			continue
		}
		if z.Allocatable < MinSubnetAddresses {
			ds.Errorf(pos, "use a private prefix length of /21 or shorter (a /21 has 2,043 usable addresses)",
				"zone %s: private subnet %s has %d usable addresses; a subnet that holds nodes needs at least %d",
				z.Name, z.PrivateCIDR, z.Allocatable, MinSubnetAddresses)
			continue
		}
		if need := z.Demanded(); need > z.Allocatable {
			var parts []string
			for _, d := range z.Demand {
				parts = append(parts, fmt.Sprintf("%s (%d + %d rolling) × (%d pods + 1) = %d", d.Group, d.Nodes, d.Surge, d.MaxPods, d.Addresses))
			}
			ds.Errorf(pos, "use a shorter private prefix length, or lower the groups' perZone.max (an instance refresh launches up to maxHealthyPercentage above it, and at least one node)",
				"zone %s: node groups need up to %d addresses (%s) but private subnet %s has %d: short by %d",
				z.Name, need, strings.Join(parts, ", "), z.PrivateCIDR, z.Allocatable, need-z.Allocatable)
		}
	}
}

func checkCoreDNS(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	a := env.Cluster.CoreDNS.Autoscaling
	if a != nil && !*a && p.PodCapacity > plan.CoreDNSAutoscalingThreshold {
		ds.Errorf(env.Positions.Of("cluster", "coreDNS", "autoscaling"), "remove autoscaling: false; kuberatorc turns it on",
			"the cluster can hold %d pods (more than %d): CoreDNS autoscaling must stay on", p.PodCapacity, plan.CoreDNSAutoscalingThreshold)
	}
}

// checkReservations: kube-reserved, system-reserved and the memory eviction
// threshold must leave the configured share of the smallest instance type of
// each group to pods.
func checkReservations(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	k := env.Kubelet
	share := k.MinAllocatableShare
	for _, g := range p.Groups {
		smallest := g.Spec.InstanceTypes[0]
		for _, t := range g.Spec.InstanceTypes {
			if p.InstanceTypes[t].MemoryGiB < p.InstanceTypes[smallest].MemoryGiB {
				smallest = t
			}
		}
		it := p.InstanceTypes[smallest]
		memory := it.MemoryGiB * (1 << 30)
		reserved := quantity(k.KubeReserved["memory"]) + quantity(k.SystemReserved["memory"]) + threshold(k.EvictionHard["memory.available"], memory)
		cpu := float64(it.VCPU)
		reservedCPU := quantity(k.KubeReserved["cpu"]) + quantity(k.SystemReserved["cpu"])
		pos := env.Positions.Of("nodeGroups", g.Name, "instanceTypes")
		if left := (memory - reserved) / memory; left < share {
			ds.Errorf(pos, "use a larger instance type, or lower the kubelet reservations",
				"%s (%g GiB) keeps %.0f%% of its memory for pods after kubelet reservations and eviction threshold; at least %.0f%% is required",
				smallest, it.MemoryGiB, 100*max(left, 0), 100*share)
		}
		if left := (cpu - reservedCPU) / cpu; left < share {
			ds.Errorf(pos, "use a larger instance type, or lower the kubelet CPU reservations",
				"%s (%d vCPU) keeps %.0f%% of its CPU for pods after kubelet reservations; at least %.0f%% is required",
				smallest, it.VCPU, 100*max(left, 0), 100*share)
		}
	}
}

// quantity reads a Kubernetes quantity the schema has already validated.
func quantity(s string) float64 {
	if s == "" {
		return 0
	}
	q := resource.MustParse(s)
	return q.AsApproximateFloat64()
}

// threshold reads an eviction threshold: a quantity or a share of total.
func threshold(s string, total float64) float64 {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		f, _ := strconv.ParseFloat(pct, 64)
		return total * f / 100
	}
	return quantity(s)
}

// checkStatefulZones: every workload has nodes it may run on: of its role,
// in its node group if it names one, of its capacity type (a stateful one
// only on on-demand nodes unless it says spot), and for a stateful one in
// the zone its volume lives in.
func checkStatefulZones(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		if w.Stateful && w.Zone == "" {
			continue // reported by the workload checks
		}
		pos := func(f string) model.Pos { return env.Positions.Of("workloads", name, f) }
		var groups []plan.Group
		for _, g := range p.Groups {
			if g.Spec.Role == w.Role && (w.NodeGroup == "" || g.Name == w.NodeGroup) {
				groups = append(groups, g)
			}
		}
		if w.NodeGroup != "" {
			g, ok := env.NodeGroups[w.NodeGroup]
			switch {
			case !ok:
				ds.Errorf(pos("nodeGroup"), text.Suggest(w.NodeGroup, model.SortedKeys(env.NodeGroups)), "node group %q does not exist", w.NodeGroup)
				continue
			case g.Role != w.Role:
				ds.Errorf(pos("nodeGroup"), `use a node group of role `+w.Role+`, or set role: "`+g.Role+`"`,
					"node group %s has role %s, and workload %s runs on %s nodes", w.NodeGroup, g.Role, name, w.Role)
				continue
			}
		}
		inZone := func(g plan.Group) bool {
			return !w.Stateful || slices.ContainsFunc(g.ASGs, func(a plan.ASG) bool { return a.Zone.Name == w.Zone })
		}
		if !slices.ContainsFunc(groups, inZone) {
			what := "no " + w.Role + " node group runs"
			if w.NodeGroup != "" {
				what = "node group " + w.NodeGroup + " does not run"
			}
			ds.Errorf(pos("zone"), "pin it to a zone where a "+w.Role+" node group runs, or add the zone to such a group",
				"%s in %s, where stateful workload %s and its volume live", what, w.Zone, name)
			continue
		}
		c := w.NodeCapacity()
		if c != "" && !slices.ContainsFunc(groups, func(g plan.Group) bool { return inZone(g) && g.Spec.Capacity == c }) {
			hint := map[string]string{"on-demand": "add an ", "spot": "add a "}[c] + c + " node group of role " + w.Role
			if w.Stateful && w.Capacity == "" {
				hint += `, or set capacity: "spot" if losing a node with its data is acceptable`
			}
			ds.Errorf(env.Positions.Of("workloads", name), hint, "workload %s must run on %s nodes, and no %s node group it may use has any%s",
				name, c, w.Role, map[bool]string{true: " in " + w.Zone, false: ""}[w.Stateful])
		}
	}
}
