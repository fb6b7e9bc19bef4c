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
)

// Plan is what the compiler derived from an environment.
type Plan struct {
	ClusterName string
	Zones       []Zone
	// NATZones are the zones that hold a NAT gateway: every zone, or the first.
	NATZones []string
	Groups   []Group
	// ExternalSNAT is the CNI's external-SNAT setting after defaulting.
	ExternalSNAT bool
}

// Zone is one availability zone with its two subnets.
type Zone struct {
	Name        string // eu-west-1a
	Key         string // eu_west_1a: safe in Terraform names
	Short       string // 1a: the az node label
	PublicCIDR  string
	PrivateCIDR string
}

// Group is a node group with one ASG per zone it runs in.
type Group struct {
	Name string
	Key  string
	Spec *model.NodeGroup
	Arch string // x86_64 or arm64
	ASGs []ASG
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

// New derives the plan. It expects an environment that passed the checks; the
// errors it can still return are about arithmetic the checks leave to it.
func New(env *model.Environment) (*Plan, error) {
	p := &Plan{ClusterName: env.Name}
	zones, err := carveSubnets(env)
	if err != nil {
		return nil, err
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
			return nil, &Error{Path: []string{"nodeGroups", name, "instanceTypes"}, Msg: err.Error(),
				Hint: "use instance types of one CPU architecture in a group; make another group for the other"}
		}
		grp := Group{Name: name, Key: Key(name), Spec: g, Arch: arch}
		for _, zn := range g.Zones {
			grp.ASGs = append(grp.ASGs, newASG(env, name, g, byName[zn]))
		}
		p.Groups = append(p.Groups, grp)
	}
	return p, nil
}

func newASG(env *model.Environment, name string, g *model.NodeGroup, z Zone) ASG {
	labels := maps.Clone(g.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[LabelRole] = g.Role
	labels[LabelZone] = z.Short
	labels[LabelLifecycle] = g.Capacity
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
// no address space.
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
		zones[i] = Zone{Name: name, Key: Key(name), Short: ShortZone(env.AWS.Region, name)}
		blocks = append(blocks, block{priv, &zones[i].PrivateCIDR, "private"})
	}
	for i := range zones {
		blocks = append(blocks, block{pub, &zones[i].PublicCIDR, "public"})
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
			return nil, &Error{Path: []string{"network", "vpcCIDR"},
				Msg: fmt.Sprintf("VPC %s cannot hold %d private /%d and %d public /%d subnets (%d addresses needed, %d available)",
					vpc, len(zones), priv, len(zones), pub, len(zones)*(1<<(32-priv)+1<<(32-pub)), end-start),
				Hint: "use a larger VPC CIDR or longer subnet prefix lengths"}
		}
		*b.dst = netip.PrefixFrom(addr(cursor), b.bits).String()
		cursor += size
	}
	return zones, nil
}

func ipv4(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

func addr(u uint64) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}
