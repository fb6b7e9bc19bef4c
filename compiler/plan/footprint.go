package plan

import (
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kuberator/kuberator/compiler/model"
)

// Resources are what a pod requests or a node offers to pods: CPU in
// millicores, memory in bytes, and pod slots.
type Resources struct {
	MilliCPU int64
	Memory   int64
	Pods     int
}

func (r Resources) plus(o Resources) Resources {
	return Resources{r.MilliCPU + o.MilliCPU, r.Memory + o.Memory, r.Pods + o.Pods}
}

func (r Resources) minus(o Resources) Resources {
	return Resources{r.MilliCPU - o.MilliCPU, r.Memory - o.Memory, r.Pods - o.Pods}
}

func (r Resources) holds(o Resources) bool {
	return r.MilliCPU >= o.MilliCPU && r.Memory >= o.Memory && r.Pods >= o.Pods
}

// A PodSet is the replicas of one workload or one add-on component: pods
// alike in what they request and where they may run.
type PodSet struct {
	// Name is the workload's, the add-on's, or "<add-on>/<component>".
	Name string
	// Workload is the workload's name; "" for an add-on's pods.
	Workload string
	Replicas int
	// Request is one pod's requests (and its one pod slot).
	Request Resources
	// Where the pods may run: the role, and when set one node group, one
	// capacity type and (a stateful workload) one zone.
	Role, NodeGroup, Capacity, Zone string
	// Critical names what the platform loses while no replica runs: DNS,
	// ingress, and the like.
	Critical string
	// Serves says the pods serve a host through the ingress.
	Serves bool
}

// CoreDNS's requests as the EKS coredns add-on sets them (its Deployment's
// resources: cpu 100m, memory 70Mi), and its replicas when it does not
// autoscale (replicaCount 2).
const (
	coreDNSMilliCPU = 100
	coreDNSMemory   = 70 << 20
	coreDNSReplicas = 2
)

// PodSets lists what the cluster runs besides DaemonSets, in the order the
// disruption arithmetic places it: CoreDNS, the add-ons' components by
// name, then the workloads by name.
func (p *Plan) PodSets(env *model.Environment) []PodSet {
	replicas := coreDNSReplicas
	if p.CoreDNSAutoscaling {
		replicas = env.Cluster.CoreDNS.MinReplicas
	}
	out := []PodSet{{Name: "coredns", Replicas: replicas, Role: "system", Critical: "DNS",
		Request: Resources{MilliCPU: coreDNSMilliCPU, Memory: coreDNSMemory, Pods: 1}}}
	for _, name := range model.SortedKeys(p.Addons) {
		a := p.Addons[name]
		if a.Catalog == nil {
			continue
		}
		for _, component := range a.Catalog.Placement {
			spec := a.Catalog.Pods[component]
			set := PodSet{Name: name, Replicas: 1, Role: "system", Critical: spec.Critical,
				Request: Resources{MilliCPU: milli(spec.CPU), Memory: bytes(spec.Memory), Pods: 1}}
			if component != "" {
				set.Name += "/" + component
			}
			if spec.Replicas != "" {
				set.Replicas = a.replicas(env.Cluster.Version, spec.Replicas)
			}
			out = append(out, set)
		}
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		set := PodSet{Name: name, Workload: name, Replicas: w.Replicas, Role: w.Role, NodeGroup: w.NodeGroup,
			Capacity: w.NodeCapacity(), Zone: w.Zone, Serves: len(w.AllHosts()) > 0,
			Request: Resources{MilliCPU: milli(w.Resources.CPU), Memory: bytes(w.Resources.Memory), Pods: 1}}
		if w.Autoscaling != nil {
			set.Replicas = w.Autoscaling.Min
		}
		out = append(out, set)
	}
	return out
}

// replicas is the add-on's replica count at a values path: the spec's
// replicas for the add-on's own path, else as intValue reads it, 1 when
// nothing sets it.
func (a *Addon) replicas(minor, path string) int {
	if a.Replicas != nil && path == a.Catalog.Replicas {
		return *a.Replicas
	}
	return a.intValue(minor, path, 1)
}

// intValue reads a number at a values path: the spec's values, else the
// values its Kubernetes minor pins, else the catalog's; def when none sets
// it.
func (a *Addon) intValue(minor, path string, def int) int {
	pin, _ := a.Catalog.Pin(minor)
	for _, values := range []map[string]any{a.Values, pin.Values, a.Catalog.Values} {
		// The spec's values come through JSON, the catalog's from CUE.
		switch n := lookup(values, path).(type) {
		case float64:
			return int(n)
		case int64:
			return int(n)
		case int:
			return n
		}
	}
	return def
}

// lookup reads a dotted path of nested values.
func lookup(values map[string]any, path string) any {
	var v any = values
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	return v
}

// DaemonSets the EKS managed add-ons run on every node (aws-node, kube-proxy,
// eks-pod-identity-agent), with the CPU aws-node (25m) and kube-proxy
// (100m) request.
const (
	eksDaemonSets     = 3
	eksDaemonMilliCPU = 125
)

// nodeRoom is what one node of a group offers the pods the arithmetic
// places: the smallest instance type's capacity after kubelet
// reservations and the eviction threshold, its max pods, less what every
// node's DaemonSets take.
func (p *Plan) nodeRoom(env *model.Environment, g Group) Resources {
	smallest := g.Spec.InstanceTypes[0]
	for _, t := range g.Spec.InstanceTypes {
		if p.InstanceTypes[t].MemoryGiB < p.InstanceTypes[smallest].MemoryGiB {
			smallest = t
		}
	}
	it := p.InstanceTypes[smallest]
	k := env.Kubelet
	memory := int64(it.MemoryGiB * (1 << 30))
	room := Resources{
		MilliCPU: int64(it.VCPU)*1000 - milli(k.KubeReserved["cpu"]) - milli(k.SystemReserved["cpu"]) - eksDaemonMilliCPU,
		Memory: memory - bytes(k.KubeReserved["memory"]) - bytes(k.SystemReserved["memory"]) -
			evictionBytes(k.EvictionHard["memory.available"], memory),
		Pods: p.podsPerNode(env, g) - p.daemonSetPods(env),
	}
	return room
}

// podsPerNode is the most pods every node of the group takes: the
// kubelet's maxPods when set, else the smallest type's.
func (p *Plan) podsPerNode(env *model.Environment, g Group) int {
	if g.KubeletMaxPods > 0 {
		return g.KubeletMaxPods
	}
	n := 0
	for _, t := range g.Spec.InstanceTypes {
		if m := p.InstanceTypes[t].MaxPods; n == 0 || m < n {
			n = m
		}
	}
	return n
}

// daemonSetPods is how many DaemonSet pods every node runs.
func (p *Plan) daemonSetPods(env *model.Environment) int {
	n := eksDaemonSets
	if NeedsEBS(env) {
		n++ // the EBS CSI driver's node plugin
	}
	for _, name := range model.SortedKeys(p.Addons) {
		if c := p.Addons[name].Catalog; c != nil {
			n += len(c.TolerationsOnly)
		}
	}
	return n
}

// NeedsEBS says a stateful workload has a volume, which brings the EBS CSI
// driver.
func NeedsEBS(env *model.Environment) bool {
	return slices.ContainsFunc(model.SortedKeys(env.Workloads), func(name string) bool {
		w := env.Workloads[name]
		return w.Stateful && w.Volume != nil
	})
}

func milli(q string) int64 {
	if q == "" {
		return 0
	}
	v := resource.MustParse(q)
	return v.MilliValue()
}

func bytes(q string) int64 {
	if q == "" {
		return 0
	}
	v := resource.MustParse(q)
	return v.Value()
}

// evictionBytes reads an eviction threshold: a quantity or a share of total.
func evictionBytes(s string, total int64) int64 {
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		f, _ := strconv.ParseFloat(pct, 64)
		return int64(float64(total) * f / 100)
	}
	return bytes(s)
}
