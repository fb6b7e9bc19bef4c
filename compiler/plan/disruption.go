package plan

import (
	"cmp"
	"slices"

	"github.com/kuberator/kuberator/compiler/model"
)

// The disruption arithmetic: for each change a running cluster goes
// through, which nodes are out, where the pods on them go, and what keeps
// running. It reasons as the scheduler does, by requests against what a
// node offers (after kubelet reservations, the eviction threshold, max
// pods and the DaemonSets), with the spread the generated objects ask for:
// the replicas of a set go to the zone, then the node, with the fewest of
// them. The cluster it starts from has every ASG at its desired size, grown
// (as the cluster autoscaler would, up to max) until every pod fits.

// Kinds of disruption.
const (
	Refresh = "refresh"  // every ASG refreshes its instances at once
	ZoneOut = "zone"     // one zone is lost
	SpotOut = "spot"     // every spot instance is reclaimed
	ScaleIn = "scale-in" // every ASG is scaled in to its minimum
)

// A Disruption is one change and what it leaves running.
type Disruption struct {
	Kind string
	// Zone is the zone lost (ZoneOut only).
	Zone string
	// NodesOut of Nodes are out of service while it lasts.
	NodesOut, Nodes int
	// Groups are the node groups that lose nodes, by name.
	Groups []string
	Sets   []SetOutcome
	// Spare is what the nodes left in service still offer, by role.
	Spare map[string]Resources
}

// SetOutcome is what becomes of one pod set.
type SetOutcome struct {
	Set PodSet
	// Running replicas: those the disruption does not touch and those that
	// move to a node left in service.
	Running int
	// Moved replicas were on a node that went and run elsewhere now.
	Moved int
	// Waiting replicas fit on no node left, and wait for new nodes.
	Waiting int
}

// Name is how a person names the disruption.
func (d Disruption) Name() string {
	switch d.Kind {
	case Refresh:
		return "instance refresh of every group"
	case ZoneOut:
		return "zone " + d.Zone + " lost"
	case SpotOut:
		return "spot capacity reclaimed"
	}
	return "every group at its minimum"
}

// Disruptions computes every disruption of a derived plan: the instance
// refresh, the loss of each zone, the reclaim of spot capacity (when a
// group is spot) and the scale-in to minimum.
func (p *Plan) Disruptions(env *model.Environment) []Disruption {
	base := p.baseline(env)
	out := []Disruption{base.disrupt(Refresh, "", func(pl pool) int { return refreshOut(pl, env.NodeGroups[pl.group].InstanceRefresh) })}
	for _, z := range p.Zones {
		out = append(out, base.disrupt(ZoneOut, z.Name, func(pl pool) int {
			return map[bool]int{true: pl.nodes}[pl.zone == z.Name]
		}))
	}
	if slices.ContainsFunc(p.Groups, func(g Group) bool { return g.Spec.Capacity == "spot" }) {
		out = append(out, base.disrupt(SpotOut, "", func(pl pool) int {
			return map[bool]int{true: pl.nodes}[env.NodeGroups[pl.group].Capacity == "spot"]
		}))
	}
	out = append(out, base.disrupt(ScaleIn, "", func(pl pool) int { return max(0, pl.nodes-pl.min) }))
	return out
}

// refreshOut is how many of an ASG's nodes an instance refresh takes out
// of service at once. With a minimum healthy share of 100% the ASG
// launches each replacement before it terminates the node (the maximum
// healthy share, above 100%, gives it the room): none. Below, it may
// terminate down to that share (rounded down) first, and at least one.
func refreshOut(pl pool, r model.InstanceRefresh) int {
	if pl.nodes == 0 || r.MinHealthyPercentage >= 100 {
		return 0
	}
	kept := pl.nodes * r.MinHealthyPercentage / 100
	return max(1, pl.nodes-kept)
}

// pool is one ASG's nodes.
type pool struct {
	group, zone, role, capacity string
	nodes, min, max             int
	room                        Resources
}

// node is one node's place in a cluster.
type node struct {
	pool int
	free Resources
	// pods counts the node's replicas of each set, by set index.
	pods map[int]int
	out  bool
}

// cluster is nodes with pods placed on them.
type cluster struct {
	pools   []pool
	nodes   []node
	sets    []PodSet
	pending []int // replicas of each set that fit nowhere, even at max size
}

func (p *Plan) baseline(env *model.Environment) *cluster {
	c := &cluster{sets: p.PodSets(env)}
	for _, g := range p.Groups {
		room := p.nodeRoom(env, g)
		for _, a := range g.ASGs {
			c.pools = append(c.pools, pool{group: g.Name, zone: a.Zone.Name, role: g.Spec.Role, capacity: g.Spec.Capacity,
				nodes: a.Desired, min: a.Min, max: a.Max, room: room})
			for range a.Desired {
				c.addNode(len(c.pools) - 1)
			}
		}
	}
	c.pending = make([]int, len(c.sets))
	for i := range c.sets {
		left := c.place(i, c.sets[i].Replicas)
		// Grow as the cluster autoscaler would: a node at a time in the
		// eligible pool with the fewest nodes, up to its max.
		for left > 0 {
			grow := -1
			for j, pl := range c.pools {
				if pl.nodes < pl.max && c.eligible(i, j) && (grow < 0 || pl.nodes < c.pools[grow].nodes) {
					grow = j
				}
			}
			if grow < 0 {
				break
			}
			c.pools[grow].nodes++
			c.addNode(grow)
			left = c.place(i, left)
		}
		c.pending[i] = left
	}
	return c
}

func (c *cluster) addNode(pl int) {
	c.nodes = append(c.nodes, node{pool: pl, free: c.pools[pl].room, pods: map[int]int{}})
}

// eligible says whether a set's pods may run on a pool's nodes.
func (c *cluster) eligible(set, pl int) bool {
	s, p := c.sets[set], c.pools[pl]
	return s.Role == p.role && (s.NodeGroup == "" || s.NodeGroup == p.group) &&
		(s.Capacity == "" || s.Capacity == p.capacity) && (s.Zone == "" || s.Zone == p.zone)
}

// place puts up to n replicas of a set on nodes in service, each on the
// node of the zone, then the node, with the fewest of the set, and returns
// how many fit nowhere.
func (c *cluster) place(set, n int) int {
	for ; n > 0; n-- {
		zones := map[string]int{}
		for _, nd := range c.nodes {
			if !nd.out {
				zones[c.pools[nd.pool].zone] += nd.pods[set]
			}
		}
		best := -1
		for i, nd := range c.nodes {
			if nd.out || !c.eligible(set, nd.pool) || !nd.free.holds(c.sets[set].Request) {
				continue
			}
			if best < 0 || cmp.Or(
				cmp.Compare(zones[c.pools[nd.pool].zone], zones[c.pools[c.nodes[best].pool].zone]),
				cmp.Compare(nd.pods[set], c.nodes[best].pods[set]),
				cmp.Compare(c.nodes[best].free.MilliCPU, nd.free.MilliCPU),
			) < 0 {
				best = i
			}
		}
		if best < 0 {
			return n
		}
		c.nodes[best].free = c.nodes[best].free.minus(c.sets[set].Request)
		c.nodes[best].pods[set]++
	}
	return 0
}

// disrupt takes out of service, from each pool, the nodes out says (the
// last ones), moves their pods where they fit, and says what runs.
func (c *cluster) disrupt(kind, zone string, out func(pool) int) Disruption {
	d := Disruption{Kind: kind, Zone: zone, Spare: map[string]Resources{}}
	after := &cluster{pools: c.pools, sets: c.sets, pending: c.pending}
	taken := make([]int, len(c.pools))
	for j, pl := range c.pools {
		taken[j] = min(out(pl), pl.nodes)
		d.Nodes += pl.nodes
		d.NodesOut += taken[j]
		if taken[j] > 0 && !slices.Contains(d.Groups, pl.group) {
			d.Groups = append(d.Groups, pl.group)
		}
	}
	slices.Sort(d.Groups)
	seen := make([]int, len(c.pools))
	displaced := make([]int, len(c.sets))
	for _, nd := range c.nodes {
		nd.pods = clonePods(nd.pods)
		seen[nd.pool]++
		if seen[nd.pool] > c.pools[nd.pool].nodes-taken[nd.pool] {
			nd.out = true
			for set, n := range nd.pods {
				displaced[set] += n
			}
		}
		after.nodes = append(after.nodes, nd)
	}
	for i, s := range c.sets {
		waiting := after.place(i, displaced[i])
		d.Sets = append(d.Sets, SetOutcome{Set: s, Moved: displaced[i] - waiting, Waiting: waiting + c.pending[i],
			Running: s.Replicas - waiting - c.pending[i]})
	}
	for _, nd := range after.nodes {
		if !nd.out {
			role := c.pools[nd.pool].role
			d.Spare[role] = d.Spare[role].plus(nd.free)
		}
	}
	return d
}

func clonePods(m map[int]int) map[int]int {
	out := make(map[int]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Surge is how many nodes above its size an ASG of n nodes launches at
// most while an instance refresh rolls it: up to its maximum healthy
// share, and at least one when it keeps every node healthy, which the
// Auto Scaling API then does by launching before it terminates.
func Surge(n int, r model.InstanceRefresh) int {
	if n == 0 {
		return 0
	}
	extra := n * (r.MaxHealthyPercentage - 100) / 100
	if r.MinHealthyPercentage >= 100 {
		return max(1, extra)
	}
	return extra
}
