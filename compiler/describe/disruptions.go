package describe

import (
	"fmt"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// DisruptionInfo is what one routine disruption leaves running.
type DisruptionInfo struct {
	Scenario string `json:"scenario"`
	NodesOut int    `json:"nodesOut"`
	Nodes    int    `json:"nodes"`
	// PodSets counts the workloads and add-on components; Unaffected those
	// whose every replica stays where it is.
	PodSets    int `json:"podSets"`
	Unaffected int `json:"unaffected"`
	// Affected are the others: replicas moved to nodes left in service, or
	// waiting for new nodes.
	Affected []SetInfo `json:"affected,omitempty"`
	// Spare is what the nodes left in service still offer, by role.
	Spare map[string]Room `json:"spare"`
}

// SetInfo is one pod set a disruption touches.
type SetInfo struct {
	Name     string `json:"name"`
	Replicas int    `json:"replicas"`
	Running  int    `json:"running"`
	Moved    int    `json:"moved"`
	Waiting  int    `json:"waiting"`
	// Critical names what the platform loses while none runs.
	Critical string `json:"critical,omitempty"`
}

// Room is spare capacity: CPU cores, memory in GiB, pod slots.
type Room struct {
	CPU       float64 `json:"cpu"`
	MemoryGiB float64 `json:"memoryGiB"`
	Pods      int     `json:"pods"`
}

func (r Room) String() string {
	return fmt.Sprintf("%.1f CPU, %.1f GiB, %d pods", r.CPU, r.MemoryGiB, r.Pods)
}

func describeDisruptions(env *model.Environment, p *plan.Plan) []DisruptionInfo {
	var out []DisruptionInfo
	for _, d := range p.Disruptions(env) {
		info := DisruptionInfo{Scenario: d.Name(), NodesOut: d.NodesOut, Nodes: d.Nodes, PodSets: len(d.Sets), Spare: map[string]Room{}}
		for _, o := range d.Sets {
			if o.Moved == 0 && o.Waiting == 0 {
				info.Unaffected++
				continue
			}
			info.Affected = append(info.Affected, SetInfo{Name: o.Set.Name, Replicas: o.Set.Replicas, Running: o.Running,
				Moved: o.Moved, Waiting: o.Waiting, Critical: o.Set.Critical})
		}
		for role, r := range d.Spare {
			info.Spare[role] = Room{CPU: float64(r.MilliCPU/100) / 10, MemoryGiB: float64(r.Memory*10>>30) / 10, Pods: r.Pods}
		}
		out = append(out, info)
	}
	return out
}
