package check

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// checkTags: AWS compares tag keys without case in places (IAM), and Name is
// set per resource by kuberatorc.
func checkTags(env *model.Environment, ds *diag.Diagnostics) {
	seen := map[string]string{}
	for _, k := range model.SortedKeys(env.Tags) {
		pos := env.Positions.Of("tags", k)
		lower := strings.ToLower(k)
		switch {
		case lower == "name":
			ds.Errorf(pos, "remove it; each resource gets its own Name", "tag %q would overwrite the Name kuberatorc gives each resource", k)
		case seen[lower] != "":
			ds.Errorf(pos, "keep one of them", "tag %q collides with tag %q: AWS compares tag keys without case", k, seen[lower])
		}
		seen[lower] = k
		checkTag(k, env.Tags[k], pos, ds)
	}
}

// tagText is what AWS allows in tag keys and values across services:
// letters, digits, spaces and _ . : / = + - @ (the Tag Editor's quotas and
// the EKS user guide's tag restrictions).
var tagText = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// checkTag: a key of 1 to 128 characters, a value of at most 256, neither
// beginning with aws: (reserved for AWS, in any case), from tagText. AWS
// refuses anything else at apply, on the first resource it tags.
func checkTag(k, v string, pos model.Pos, ds *diag.Diagnostics) {
	keyLen, valueLen := utf8.RuneCountInString(k), utf8.RuneCountInString(v)
	switch {
	case keyLen > 128:
		ds.Errorf(pos, fmt.Sprintf("shorten the key by %d characters", keyLen-128), "tag key %.40q… has %d characters; AWS allows 128", k, keyLen)
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		ds.Errorf(pos, "use another prefix, such as your company's", "tag key %q begins with aws:, which AWS reserves for its own tags", k)
	case !tagText.MatchString(k):
		ds.Errorf(pos, "use letters, digits, spaces and _ . : / = + - @", "tag key %q has characters AWS does not accept in tags", k)
	}
	switch {
	case valueLen > 256:
		ds.Errorf(pos, fmt.Sprintf("shorten the value by %d characters", valueLen-256), "the value of tag %q has %d characters; AWS allows 256", k, valueLen)
	case strings.HasPrefix(strings.ToLower(v), "aws:"):
		ds.Errorf(pos, "use a value that does not begin with aws:", "the value of tag %q begins with aws:, which AWS reserves", k)
	case !tagText.MatchString(v):
		ds.Errorf(pos, "use letters, digits, spaces and _ . : / = + - @", "the value of tag %q has characters AWS does not accept in tags", k)
	}
}

func checkNetwork(env *model.Environment, ds *diag.Diagnostics) {
	prefix := env.AWS.Region[:strings.LastIndex(env.AWS.Region, "-")+1]
	for i, z := range env.Network.Zones {
		if !strings.HasPrefix(z, prefix) || strings.TrimPrefix(z, prefix)[:1] != env.AWS.Region[len(prefix):] {
			ds.Errorf(env.Positions.Of("network", "zones", strconv.Itoa(i)), "list zones of "+env.AWS.Region+", such as "+env.AWS.Region+"a",
				"zone %q is not in region %s", z, env.AWS.Region)
		}
	}
	if env.Network.CNI.ExternalSNAT == nil {
		ds.Notef(env.Positions.Of("network", "cni", "externalSNAT"), "set network.cni.externalSNAT to make the choice explicit",
			"nodes sit in private subnets behind NAT: VPC CNI external SNAT defaults to true, so pod IPs stay inside the VPC")
	}
}

func checkCluster(env *model.Environment, ds *diag.Diagnostics) {
	vpc := netip.MustParsePrefix(env.Network.VPCCIDR)
	svc := netip.MustParsePrefix(env.Cluster.ServiceCIDR)
	if vpc.Overlaps(svc) {
		ds.Errorf(env.Positions.Of("cluster", "serviceCIDR"), "choose a service CIDR outside the VPC, such as 172.20.0.0/16",
			"service CIDR %s overlaps the VPC %s", svc, vpc)
	}
	ep := env.Cluster.Endpoint
	if !ep.Private && !ep.Public {
		ds.Errorf(env.Positions.Of("cluster", "endpoint"), "set endpoint.private, endpoint.public or both",
			"the cluster endpoint is neither private nor public: nothing could reach the API server")
	}
	if ep.Public && !ep.AllowPublicEndpointFromAnywhere {
		if len(ep.PublicCIDRs) == 0 {
			ds.Errorf(env.Positions.Of("cluster", "endpoint", "public"), "list the networks that may reach the API in endpoint.publicCIDRs, or set allowPublicEndpointFromAnywhere: true",
				"a public endpoint without publicCIDRs is open to the whole internet")
		}
		for i, c := range ep.PublicCIDRs {
			if netip.MustParsePrefix(c).Bits() == 0 {
				ds.Errorf(env.Positions.Of("cluster", "endpoint", "publicCIDRs", strconv.Itoa(i)), "narrow the CIDR, or set allowPublicEndpointFromAnywhere: true on purpose",
					"%s opens the cluster API to the whole internet", c)
			}
		}
	}
	if dns := env.Cluster.CoreDNS; dns.MinReplicas < 2 {
		ds.Errorf(env.Positions.Of("cluster", "coreDNS", "minReplicas"), "keep minReplicas at 2 or more",
			"CoreDNS with %d replica stops resolving names whenever its node goes (a refresh, a scale-in, a spot reclaim)", dns.MinReplicas)
	}
	if !ep.Public && len(ep.PublicCIDRs) > 0 {
		ds.Warnf(diag.PublicCIDRsUnused, env.Positions.Of("cluster", "endpoint", "publicCIDRs"), "remove publicCIDRs or set endpoint.public: true",
			"publicCIDRs has no effect on a private-only endpoint")
	}
}

// Label prefixes the NodeRestriction admission plugin lets a kubelet set on itself.
var allowedKubeletPrefixes = []string{"node.kubernetes.io/", "kubelet.kubernetes.io/"}

func checkNodeGroups(env *model.Environment, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.NodeGroups) {
		g := env.NodeGroups[name]
		for i, z := range g.Zones {
			if !slices.Contains(env.Network.Zones, z) {
				ds.Errorf(env.Positions.Of("nodeGroups", name, "zones", strconv.Itoa(i)), "use one of "+strings.Join(env.Network.Zones, ", "),
					"node group %s uses zone %q, which is not in network.zones", name, z)
			}
		}
		for _, key := range model.SortedKeys(g.Labels) {
			pos := env.Positions.Of("nodeGroups", name, "labels", key)
			switch {
			case key == plan.LabelRole || key == plan.LabelZone || key == plan.LabelLifecycle:
				ds.Errorf(pos, "remove the label; kuberatorc sets it from role, zone and capacity",
					"label %q is set by kuberatorc on every node", key)
			case restrictedLabel(key):
				ds.Errorf(pos, "use a key outside kubernetes.io/ and k8s.io/, or under node.kubernetes.io/",
					"the kubelet may not set label %q on its own node (NodeRestriction)", key)
			}
		}
	}
}

func restrictedLabel(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	for _, allowed := range allowedKubeletPrefixes {
		if strings.HasPrefix(key, allowed) {
			return false
		}
	}
	return prefix == "kubernetes.io" || prefix == "k8s.io" ||
		strings.HasSuffix(prefix, ".kubernetes.io") || strings.HasSuffix(prefix, ".k8s.io")
}
