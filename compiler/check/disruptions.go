package check

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// checkRefreshPreferences: AWS refuses a maximum healthy share more than
// 100 points above the minimum (RefreshPreferences in the Auto Scaling API
// reference), when the refresh starts: after apply, for Terraform passes it.
func checkRefreshPreferences(env *model.Environment, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.NodeGroups) {
		r := env.NodeGroups[name].InstanceRefresh
		if r.MaxHealthyPercentage-r.MinHealthyPercentage > 100 {
			ds.Errorf(env.Positions.Of("nodeGroups", name, "instanceRefresh", "maxHealthyPercentage"),
				"raise minHealthyPercentage, or lower maxHealthyPercentage to at most 100 above it",
				"maxHealthyPercentage %d is more than 100 above minHealthyPercentage %d, which AWS refuses when the refresh starts",
				r.MaxHealthyPercentage, r.MinHealthyPercentage)
		}
	}
}

// checkDisruptions: no routine change (an instance refresh, the loss of a
// zone, a spot reclaim, a scale-in to minimum) leaves a platform-critical
// add-on with no replica running: an error at the node group field that
// causes it. A workload that serves a host and would have no replica
// running gets a warning.
func checkDisruptions(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	reported := map[string]bool{}
	for _, d := range p.Disruptions(env) {
		for _, o := range d.Sets {
			if o.Running > 0 || o.Set.Replicas == 0 || reported[d.Kind+o.Set.Name] {
				continue
			}
			reported[d.Kind+o.Set.Name] = true
			switch {
			case o.Set.Critical != "":
				field, hint := disruptionCause(d)
				group := causingGroup(env, d, o.Set)
				ds.Errorf(env.Positions.Of(append([]string{"nodeGroups", group}, field...)...), hint,
					"%s: no replica of %s runs, so the cluster loses its %s: %d of %d wait for new nodes",
					d.Name(), o.Set.Name, o.Set.Critical, o.Waiting, o.Set.Replicas)
			case o.Set.Serves:
				ds.Warnf(diag.DisruptionUnserved, workloadCause(env, o.Set), unservedHint(d, o.Set),
					"%s: no replica of workload %s runs, and it serves %s: %d of %d wait for new nodes",
					d.Name(), o.Set.Name, env.Workloads[o.Set.Workload].AllHosts()[0], o.Waiting, o.Set.Replicas)
			}
		}
	}
}

// disruptionCause is the node group field a disruption comes from, and
// how to keep the platform running through it.
func disruptionCause(d plan.Disruption) ([]string, string) {
	switch d.Kind {
	case plan.Refresh:
		return []string{"instanceRefresh", "minHealthyPercentage"},
			"keep minHealthyPercentage at 100 (the default), so each replacement launches before its node is terminated"
	case plan.ZoneOut:
		return []string{"zones"}, "run the system node groups in at least two zones, with room for every system pod in the others"
	case plan.SpotOut:
		return []string{"capacity"}, `run system nodes on-demand (capacity: "on-demand"), or add an on-demand system group`
	}
	return []string{"perZone", "min"}, "raise perZone.min of the system node groups until the system pods fit at the minimum"
}

// causingGroup is the first node group the disruption takes nodes from
// that the pod set may run on.
func causingGroup(env *model.Environment, d plan.Disruption, s plan.PodSet) string {
	for _, g := range d.Groups {
		if env.NodeGroups[g].Role == s.Role && (s.NodeGroup == "" || s.NodeGroup == g) {
			return g
		}
	}
	if len(d.Groups) > 0 {
		return d.Groups[0]
	}
	// Nothing goes out: the pods never fit, even at every group's max.
	for _, g := range model.SortedKeys(env.NodeGroups) {
		if env.NodeGroups[g].Role == s.Role {
			return g
		}
	}
	return ""
}

func workloadCause(env *model.Environment, s plan.PodSet) model.Pos {
	w := env.Workloads[s.Workload]
	if w.Autoscaling != nil {
		return env.Positions.Of("workloads", s.Workload, "autoscaling", "min")
	}
	return env.Positions.Of("workloads", s.Workload, "replicas")
}

func unservedHint(d plan.Disruption, s plan.PodSet) string {
	switch {
	case s.Zone != "" && d.Kind == plan.ZoneOut:
		return "a stateful workload waits for its zone; serve the host from a stateless workload in front of it"
	case d.Kind == plan.SpotOut && s.Capacity == "spot":
		return `run it on on-demand nodes too (drop capacity: "spot"), or accept the gap`
	case slices.Contains([]string{plan.ScaleIn, plan.SpotOut, plan.ZoneOut}, d.Kind) && s.Replicas < 2:
		return "run at least 2 replicas, which spread over zones and nodes"
	}
	return "give its node groups room for it elsewhere (a higher max in the other zones or groups)"
}
