package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/model"
)

// small is a hand-computable cluster in zones a and b of eu-west-1: node
// groups of t.small nodes (2 vCPU, 4 GiB, 10 pods). A node offers pods
// 2000m - 100m - 100m reserved - 125m for the EKS DaemonSets = 1675m CPU,
// 4 GiB - 3 × 128 MiB = 3712 MiB, and 10 - 3 DaemonSet pods = 7 slots.
// CoreDNS has 2 replicas of 100m and 70 MiB.
func small(groups map[string]*model.NodeGroup, workloads map[string]*model.Workload) *Plan {
	env := &model.Environment{
		Name: "t",
		AWS:  model.AWS{Region: "eu-west-1"},
		Network: model.Network{VPCCIDR: "10.0.0.0/16", Zones: []string{"eu-west-1a", "eu-west-1b"},
			Subnets: model.Subnets{Public: model.SubnetSize{PrefixLength: 24}, Private: model.SubnetSize{PrefixLength: 20}, ControlPlane: model.SubnetSize{PrefixLength: 28}}},
		Kubelet: model.Kubelet{
			KubeReserved:   map[string]string{"cpu": "100m", "memory": "128Mi"},
			SystemReserved: map[string]string{"cpu": "100m", "memory": "128Mi"},
			EvictionHard:   map[string]string{"memory.available": "128Mi"},
		},
		NodeGroups: groups, Workloads: workloads,
	}
	cat := &model.Catalog{Instances: map[string]model.InstanceType{"t.small": {VCPU: 2, MemoryGiB: 4, MaxPods: 10}}}
	p, err := New(env, cat)
	if err != nil {
		panic(err)
	}
	testEnv = env
	return p
}

var testEnv *model.Environment

func group(role, capacity string, min, desired, max, minHealthy int, zones ...string) *model.NodeGroup {
	if len(zones) == 0 {
		zones = []string{"eu-west-1a", "eu-west-1b"}
	}
	return &model.NodeGroup{Role: role, Capacity: capacity, InstanceTypes: []string{"t.small"}, Zones: zones,
		PerZone:         model.Sizes{Min: min, Max: max, Desired: &desired},
		InstanceRefresh: model.InstanceRefresh{MinHealthyPercentage: minHealthy, MaxHealthyPercentage: 110}}
}

func web(replicas int, cpu string, host bool) *model.Workload {
	w := &model.Workload{Replicas: replicas, Role: "app", Resources: model.Resources{CPU: cpu, Memory: "256Mi"}}
	if host {
		w.Host = "web.example.com"
	}
	return w
}

// outcome is a disruption in brief: nodes out, and running/waiting by set.
type outcome struct {
	Out     int
	Running map[string]int
	Waiting map[string]int
}

func brief(d Disruption) outcome {
	o := outcome{Out: d.NodesOut, Running: map[string]int{}, Waiting: map[string]int{}}
	for _, s := range d.Sets {
		o.Running[s.Set.Name] = s.Running
		if s.Waiting > 0 {
			o.Waiting[s.Set.Name] = s.Waiting
		}
	}
	return o
}

func byKind(t *testing.T, p *Plan, kind, zone string) outcome {
	t.Helper()
	for _, d := range p.Disruptions(testEnv) {
		if d.Kind == kind && d.Zone == zone {
			return brief(d)
		}
	}
	t.Fatalf("no %s %s disruption", kind, zone)
	return outcome{}
}

func TestNodeRoom(t *testing.T) {
	p := small(map[string]*model.NodeGroup{"sys": group("system", "on-demand", 1, 1, 2, 100)}, nil)
	want := Resources{MilliCPU: 1675, Memory: 4<<30 - 3*128<<20, Pods: 7}
	if got := p.nodeRoom(testEnv, p.Groups[0]); got != want {
		t.Errorf("node room %+v, want %+v", got, want)
	}
}

func TestRefresh(t *testing.T) {
	// One system node per zone. Terminating first (90% rounds down to none
	// kept of one node) takes both out at once: CoreDNS has nowhere to go.
	p := small(map[string]*model.NodeGroup{"sys": group("system", "on-demand", 1, 1, 2, 90)}, nil)
	want := outcome{Out: 2, Running: map[string]int{"coredns": 0}, Waiting: map[string]int{"coredns": 2}}
	if diff := cmp.Diff(want, byKind(t, p, Refresh, "")); diff != "" {
		t.Errorf("terminate-first refresh (-want +got):\n%s", diff)
	}
	// Launching first keeps every node in service.
	p = small(map[string]*model.NodeGroup{"sys": group("system", "on-demand", 1, 1, 2, 100)}, nil)
	want = outcome{Out: 0, Running: map[string]int{"coredns": 2}, Waiting: map[string]int{}}
	if diff := cmp.Diff(want, byKind(t, p, Refresh, "")); diff != "" {
		t.Errorf("launch-first refresh (-want +got):\n%s", diff)
	}
	// Ten nodes at 90%: nine kept, one out per zone.
	p = small(map[string]*model.NodeGroup{"sys": group("system", "on-demand", 10, 10, 10, 90)}, nil)
	if got := byKind(t, p, Refresh, ""); got.Out != 2 {
		t.Errorf("ten nodes a zone at 90%%: %d out, want 2", got.Out)
	}
}

func TestZoneLoss(t *testing.T) {
	// Two 800m replicas fill one zone's app node (1675m holds two); they
	// spread one per zone. With zone a lost, its replica moves to b's node.
	p := small(map[string]*model.NodeGroup{
		"sys": group("system", "on-demand", 1, 1, 2, 100),
		"app": group("app", "on-demand", 1, 1, 3, 100),
	}, map[string]*model.Workload{"web": web(2, "800m", true)})
	want := outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 2}, Waiting: map[string]int{}}
	if diff := cmp.Diff(want, byKind(t, p, ZoneOut, "eu-west-1a")); diff != "" {
		t.Errorf("zone a lost (-want +got):\n%s", diff)
	}
	// Three replicas: two on a's node, one on b's. Zone a lost (its system
	// and app node): b's node takes one more; the third waits for a new node.
	p = small(map[string]*model.NodeGroup{
		"sys": group("system", "on-demand", 1, 1, 2, 100),
		"app": group("app", "on-demand", 1, 1, 3, 100),
	}, map[string]*model.Workload{"web": web(3, "800m", true)})
	want = outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 2}, Waiting: map[string]int{"web": 1}}
	if diff := cmp.Diff(want, byKind(t, p, ZoneOut, "eu-west-1a")); diff != "" {
		t.Errorf("zone a lost, three replicas (-want +got):\n%s", diff)
	}
	// System nodes in zone a alone: losing it leaves no DNS.
	p = small(map[string]*model.NodeGroup{"sys": group("system", "on-demand", 1, 1, 2, 100, "eu-west-1a")}, nil)
	want = outcome{Out: 1, Running: map[string]int{"coredns": 0}, Waiting: map[string]int{"coredns": 2}}
	if diff := cmp.Diff(want, byKind(t, p, ZoneOut, "eu-west-1a")); diff != "" {
		t.Errorf("system tier in one zone (-want +got):\n%s", diff)
	}
}

func TestSpotReclaim(t *testing.T) {
	// Spot app nodes only: a spot reclaim leaves the workload nowhere.
	p := small(map[string]*model.NodeGroup{
		"sys":  group("system", "on-demand", 1, 1, 2, 100),
		"spot": group("app", "spot", 1, 1, 3, 100),
	}, map[string]*model.Workload{"web": web(2, "500m", true)})
	want := outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 0}, Waiting: map[string]int{"web": 2}}
	if diff := cmp.Diff(want, byKind(t, p, SpotOut, "")); diff != "" {
		t.Errorf("spot reclaimed (-want +got):\n%s", diff)
	}
	// An on-demand floor of one node a zone takes them.
	p = small(map[string]*model.NodeGroup{
		"sys":  group("system", "on-demand", 1, 1, 2, 100),
		"spot": group("app", "spot", 1, 1, 3, 100),
		"od":   group("app", "on-demand", 1, 1, 3, 100),
	}, map[string]*model.Workload{"web": web(2, "500m", true)})
	want = outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 2}, Waiting: map[string]int{}}
	if diff := cmp.Diff(want, byKind(t, p, SpotOut, "")); diff != "" {
		t.Errorf("spot reclaimed with an on-demand floor (-want +got):\n%s", diff)
	}
}

func TestScaleIn(t *testing.T) {
	// Four 800m replicas need two app nodes in each zone; desired 2, min 1:
	// at the minimum two of them fit, two wait.
	p := small(map[string]*model.NodeGroup{
		"sys": group("system", "on-demand", 1, 1, 2, 100),
		"app": group("app", "on-demand", 1, 2, 3, 100),
	}, map[string]*model.Workload{"web": web(4, "800m", false)})
	want := outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 4}, Waiting: map[string]int{}}
	if diff := cmp.Diff(want, byKind(t, p, ScaleIn, "")); diff != "" {
		t.Errorf("scale-in with room (-want +got):\n%s", diff)
	}
	p = small(map[string]*model.NodeGroup{
		"sys": group("system", "on-demand", 1, 1, 2, 100),
		"app": group("app", "on-demand", 1, 2, 3, 100),
	}, map[string]*model.Workload{"web": web(6, "800m", false)})
	want = outcome{Out: 2, Running: map[string]int{"coredns": 2, "web": 4}, Waiting: map[string]int{"web": 2}}
	if diff := cmp.Diff(want, byKind(t, p, ScaleIn, "")); diff != "" {
		t.Errorf("scale-in short of room (-want +got):\n%s", diff)
	}
}

func TestBaselineGrows(t *testing.T) {
	// Desired 0 nodes: the pods grow the group as the autoscaler would.
	p := small(map[string]*model.NodeGroup{
		"sys": group("system", "on-demand", 1, 1, 2, 100),
		"app": group("app", "on-demand", 0, 0, 3, 100),
	}, map[string]*model.Workload{"web": web(3, "800m", false)})
	if d := p.Disruptions(testEnv)[0]; d.Nodes != 4 {
		t.Errorf("%d nodes after growing, want 2 system and 2 app (three 800m replicas)", d.Nodes)
	}
}
