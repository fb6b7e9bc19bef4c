// Package plan derives the facts every emitter needs from a validated
// environment: subnet CIDRs carved from the VPC, one ASG per node group per
// zone with its boot labels, and the names resources share. Emitters read the
// plan instead of re-deriving, so the three deliverables agree by construction.
package plan

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

// Node labels set by the kubelet at boot on every node.
const (
	LabelRole      = "nodeType"
	LabelZone      = "az"
	LabelLifecycle = "lifecycle"
	// LabelGroup names a node's group, for workloads pinned to one.
	LabelGroup = "nodeGroup"
)

// Plan is what the compiler derived from an environment.
type Plan struct {
	ClusterName string
	// Addons are the add-ons the cluster runs, by name: the spec's and the
	// implied ones.
	Addons map[string]*Addon
	// InstanceTypes holds the figures of the instance types the node groups
	// use.
	InstanceTypes map[string]model.InstanceType

	Zones []Zone
	// NATZones are the zones that hold a NAT gateway: every zone, or the first.
	NATZones []string
	Groups   []Group
	// ExternalSNAT is the CNI's external-SNAT setting after defaulting.
	ExternalSNAT bool
	// PodCapacity is how many pods the cluster holds with every ASG at max.
	PodCapacity int
	// CoreDNSAutoscaling is the coredns add-on's autoscaling after defaulting.
	CoreDNSAutoscaling bool
}

// CoreDNSAutoscalingThreshold is the pod capacity above which one CoreDNS
// replica per few nodes no longer keeps up: autoscaling must be on.
const CoreDNSAutoscalingThreshold = 1000

// ReservedPerSubnet is what AWS keeps of every subnet: network address, VPC
// router, DNS, one for future use, and broadcast.
const ReservedPerSubnet = 5

// Zone is one availability zone with its two subnets.
type Zone struct {
	Name        string // eu-west-1a
	Key         string // eu_west_1a: safe in Terraform names
	Short       string // 1a: the az node label
	PublicCIDR  string
	PrivateCIDR string
	// EndpointCIDR holds the VPC endpoints' interfaces; "" without endpoints.
	EndpointCIDR string
	// ControlPlaneCIDR holds the EKS control plane's interfaces, and nothing
	// else: what comes from there is the control plane.
	ControlPlaneCIDR string
	// Allocatable is the private subnet's usable addresses.
	Allocatable int
	// Demand is each node group's worst case in this zone's private subnet.
	Demand []Demand
}

// Demand is the most addresses one node group can take in one zone: every
// node at max, and the replacements an instance refresh launches first,
// each with its own address and a full set of pod addresses.
type Demand struct {
	Group string
	Nodes int
	// Surge is the nodes a refresh launches above Nodes.
	Surge     int
	MaxPods   int
	Addresses int
}

// Demanded is the zone's worst-case address use over all its node groups.
func (z Zone) Demanded() int {
	total := 0
	for _, d := range z.Demand {
		total += d.Addresses
	}
	return total
}

// Group is a node group with one ASG per zone it runs in.
type Group struct {
	Name string
	Key  string
	Spec *model.NodeGroup
	Arch string // x86_64 or arm64
	ASGs []ASG
	// MaxPods is the most pods a node of the group can hold (its largest type).
	MaxPods int
	// KubeletMaxPods is set on the kubelet when nodeadm cannot work it out
	// (prefix delegation): the smallest type's figure. 0 leaves it to nodeadm.
	KubeletMaxPods int
}

// ASG is one auto-scaling group: one node group in one zone.
type ASG struct {
	Key    string // system_eu_west_1a
	Name   string // qa-system-eu-west-1a
	Zone   Zone
	Labels map[string]string
	Taints []model.Taint
	Min    int
	Max    int
	// Desired is the initial size; the cluster autoscaler owns it afterwards.
	Desired int
}

// Error is a planning failure about one spec field.
type Error struct {
	Path []string
	Msg  string
	Hint string
}

func (e *Error) Error() string { return strings.Join(e.Path, ".") + ": " + e.Msg }

// New derives the whole plan: Resolve, then Derive.
func New(env *model.Environment, cat *model.Catalog) (*Plan, error) {
	p := Resolve(env, cat)
	return p, p.Derive(env)
}

// Resolve is the part of the plan the checks read before the rest can be
// derived: the add-ons with their catalog entries, and the instance
// figures. It takes any decoded environment.
func Resolve(env *model.Environment, cat *model.Catalog) *Plan {
	return &Plan{ClusterName: env.Name, Addons: resolveAddons(env, cat), InstanceTypes: cat.Instances}
}

// Derive fills in the rest of a resolved plan. It expects an environment
// that passed the checks; the errors it can still return are about
// arithmetic the checks leave to it.
func (p *Plan) Derive(env *model.Environment) error {
	zones, err := carveSubnets(env)
	if err != nil {
		return err
	}
	p.Zones = zones
	p.NATZones = env.Network.Zones
	if env.Network.NATGateways == "single" {
		p.NATZones = env.Network.Zones[:1]
	}
	p.ExternalSNAT = true
	if s := env.Network.CNI.ExternalSNAT; s != nil {
		p.ExternalSNAT = *s
	}
	byName := map[string]Zone{}
	for _, z := range zones {
		byName[z.Name] = z
	}
	for _, name := range model.SortedKeys(env.NodeGroups) {
		g := env.NodeGroups[name]
		arch, err := Arch(g.InstanceTypes)
		if err != nil {
			return &Error{Path: []string{"nodeGroups", name, "instanceTypes"}, Msg: err.Error(),
				Hint: "use instance types of one CPU architecture in a group; make another group for the other"}
		}
		grp := Group{Name: name, Key: Key(name), Spec: g, Arch: arch}
		grp.MaxPods, grp.KubeletMaxPods = p.maxPods(env, g)
		for _, zn := range g.Zones {
			grp.ASGs = append(grp.ASGs, newASG(env, name, g, byName[zn]))
			p.PodCapacity += g.PerZone.Max * grp.MaxPods
		}
		p.Groups = append(p.Groups, grp)
	}
	for i := range p.Zones {
		p.Zones[i].Demand = demand(p.Groups, p.Zones[i].Name)
	}
	p.CoreDNSAutoscaling = p.PodCapacity > CoreDNSAutoscalingThreshold
	if a := env.Cluster.CoreDNS.Autoscaling; a != nil {
		p.CoreDNSAutoscaling = *a
	}
	return nil
}

// maxPods returns the group's largest per-node pod count and, with prefix
// delegation, the kubelet's maxPods (the smallest type's, so that every type
// of a mixed group can honour it).
func (p *Plan) maxPods(env *model.Environment, g *model.NodeGroup) (largest, kubelet int) {
	pd := env.Network.CNI.PrefixDelegation
	for _, t := range g.InstanceTypes {
		n := p.InstanceTypes[t].MaxPods
		if pd {
			n = p.InstanceTypes[t].MaxPodsPrefixDelegation
		}
		largest = max(largest, n)
		if kubelet == 0 || n < kubelet {
			kubelet = n
		}
	}
	if !pd {
		kubelet = 0
	}
	return largest, kubelet
}

func demand(groups []Group, zone string) []Demand {
	var out []Demand
	for _, g := range groups {
		if !slices.Contains(g.Spec.Zones, zone) {
			continue
		}
		// A group at its max still rolls: the replacements it launches
		// first take addresses too.
		nodes, surge := g.Spec.PerZone.Max, Surge(g.Spec.PerZone.Max, g.Spec.InstanceRefresh)
		out = append(out, Demand{Group: g.Name, Nodes: nodes, Surge: surge, MaxPods: g.MaxPods, Addresses: (nodes + surge) * (g.MaxPods + 1)})
	}
	return out
}

func newASG(env *model.Environment, name string, g *model.NodeGroup, z Zone) ASG {
	labels := maps.Clone(g.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelRole] = g.Role
	labels[LabelZone] = z.Short
	labels[LabelLifecycle] = g.Capacity
	labels[LabelGroup] = name
	desired := g.PerZone.Min
	if g.PerZone.Desired != nil {
		desired = *g.PerZone.Desired
	}
	return ASG{
		Key:     Key(name) + "_" + z.Key,
		Name:    env.Name + "-" + name + "-" + z.Name,
		Zone:    z,
		Labels:  labels,
		Taints:  g.Taints,
		Min:     g.PerZone.Min,
		Max:     g.PerZone.Max,
		Desired: desired,
	}
}

// Key makes a name safe as a Terraform resource name.
func Key(name string) string { return strings.ReplaceAll(name, "-", "_") }

// ShortZone is the zone's suffix after its region's name: eu-west-1a → 1a.
func ShortZone(region, zone string) string {
	prefix := region[:strings.LastIndex(region, "-")+1]
	return strings.TrimPrefix(zone, prefix)
}

// Graviton families carry a "g" among the letters after the generation
// number: m7g, c7gn, r6gd, t4g, im4gn. g5 (a GPU family) does not.
var armFamily = regexp.MustCompile(`^[a-z]+\d+[a-z-]*g[a-z-]*$`)

// Arch returns the CPU architecture of the instance types, which must agree.
func Arch(types []string) (string, error) {
	arch := ""
	for _, t := range types {
		a := "x86_64"
		if family, _, _ := strings.Cut(t, "."); armFamily.MatchString(family) {
			a = "arm64"
		}
		if arch != "" && a != arch {
			return "", fmt.Errorf("instance types mix CPU architectures (%s is %s, %s is %s)", types[0], arch, t, a)
		}
		arch = a
	}
	return arch, nil
}

// carveSubnets lays the private then public subnets out from the start of the
// VPC, each zone in spec order. Larger blocks go first so that alignment wastes
// no address space; the control plane's are laid out from the top.
func carveSubnets(env *model.Environment) ([]Zone, error) {
	vpc := netip.MustParsePrefix(env.Network.VPCCIDR).Masked()
	zones := make([]Zone, len(env.Network.Zones))
	type block struct {
		bits int
		dst  *string
		kind string
	}
	var blocks []block
	pub, priv := env.Network.Subnets.Public.PrefixLength, env.Network.Subnets.Private.PrefixLength
	for i, name := range env.Network.Zones {
		zones[i] = Zone{Name: name, Key: Key(name), Short: ShortZone(env.AWS.Region, name),
			Allocatable: 1<<(32-priv) - ReservedPerSubnet}
		blocks = append(blocks, block{priv, &zones[i].PrivateCIDR, "private"})
	}
	for i := range zones {
		blocks = append(blocks, block{pub, &zones[i].PublicCIDR, "public"})
	}
	if len(InterfaceEndpoints(env)) > 0 {
		// Smallest, so laid out last: adding endpoints moves no other subnet.
		for i := range zones {
			blocks = append(blocks, block{env.Network.Subnets.Endpoints.PrefixLength, &zones[i].EndpointCIDR, "endpoints"})
		}
	}
	slices.SortStableFunc(blocks, func(a, b block) int { return a.bits - b.bits })

	start := ipv4(vpc.Addr())
	end := start + 1<<(32-vpc.Bits())
	cursor := start
	for _, b := range blocks {
		if b.bits < vpc.Bits() {
			return nil, &Error{Path: []string{"network", "subnets", b.kind, "prefixLength"},
				Msg:  fmt.Sprintf("a /%d %s subnet is larger than the VPC %s", b.bits, b.kind, vpc),
				Hint: "use a longer prefix length or a larger VPC"}
		}
		size := uint64(1) << (32 - b.bits)
		cursor = (cursor + size - 1) / size * size
		if cursor+size > end {
			return nil, tooSmall(env, vpc, len(zones))
		}
		*b.dst = netip.PrefixFrom(addr(cursor), b.bits).String()
		cursor += size
	}
	// The control plane's at the top of the VPC, in zone order: where
	// nothing else moves them (turning endpoints on or off moves only what
	// is laid out from the bottom), since moving a subnet the cluster's
	// interfaces sit in cannot be applied.
	cp := env.Network.Subnets.ControlPlane.PrefixLength
	if cp < vpc.Bits() {
		return nil, &Error{Path: []string{"network", "subnets", "controlPlane", "prefixLength"},
			Msg:  fmt.Sprintf("a /%d controlPlane subnet is larger than the VPC %s", cp, vpc),
			Hint: "use a longer prefix length or a larger VPC"}
	}
	size := uint64(1) << (32 - cp)
	top := end - uint64(len(zones))*size
	if end-start < uint64(len(zones))*size || top < cursor {
		return nil, tooSmall(env, vpc, len(zones))
	}
	for i := range zones {
		zones[i].ControlPlaneCIDR = netip.PrefixFrom(addr(top+uint64(i)*size), cp).String()
	}
	return zones, nil
}

func tooSmall(env *model.Environment, vpc netip.Prefix, zones int) error {
	s := env.Network.Subnets
	return &Error{Path: []string{"network", "vpcCIDR"},
		Msg: fmt.Sprintf("VPC %s cannot hold %d private /%d, %d public /%d%s and %d control-plane /%d subnets (%d addresses needed, %d available)",
			vpc, zones, s.Private.PrefixLength, zones, s.Public.PrefixLength, endpointsText(env, zones),
			zones, s.ControlPlane.PrefixLength, needed(env, zones), 1<<(32-vpc.Bits())),
		Hint: "use a larger VPC CIDR or longer subnet prefix lengths"}
}

func ipv4(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

func addr(u uint64) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func needed(env *model.Environment, zones int) int {
	s := env.Network.Subnets
	per := 1<<(32-s.Private.PrefixLength) + 1<<(32-s.Public.PrefixLength) + 1<<(32-s.ControlPlane.PrefixLength)
	if len(InterfaceEndpoints(env)) > 0 {
		per += 1 << (32 - s.Endpoints.PrefixLength)
	}
	return zones * per
}

func endpointsText(env *model.Environment, zones int) string {
	if len(InterfaceEndpoints(env)) == 0 {
		return ""
	}
	return fmt.Sprintf(", %d endpoint /%d", zones, env.Network.Subnets.Endpoints.PrefixLength)
}
