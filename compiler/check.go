package compiler

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// catalog is the part of stdlib the Go-side rules read.
type catalog struct {
	Addons       map[string]*model.CatalogAddon
	IngressNginx *model.CatalogAddon
	Bootstrap    []string
	Retired      map[string]string
}

func catalogOf(l *loaded) *catalog {
	c := &catalog{}
	// Decode only the parts read here: the instance catalog is large.
	for path, dst := range map[string]any{"addonCatalog": &c.Addons, "ingressNginx": &c.IngressNginx,
		"bootstrapAddons": &c.Bootstrap, "retiredAddons": &c.Retired} {
		if err := l.lib.LookupPath(cue.ParsePath(path)).Decode(dst); err != nil {
			panic("kuberatorc: embedded stdlib does not decode: " + err.Error())
		}
	}
	return c
}

func (c *catalog) names() []string {
	return append(model.SortedKeys(c.Addons), c.Bootstrap...)
}

// check runs the rules that need a view across the environment. Each finding
// points at the spec field it is about.
func check(env *model.Environment, cat *catalog) Diagnostics {
	var ds Diagnostics
	checkTags(env, &ds)
	checkNetwork(env, &ds)
	checkCluster(env, &ds)
	checkNodeGroups(env, &ds)
	impliedAddons(env, &ds)
	checkAddons(env, cat, &ds)
	checkHosts(env, &ds)
	checkWorkloads(env, &ds)
	checkAlerts(env, &ds)
	checkOperations(env, &ds)
	return ds
}

// checkTags: AWS compares tag keys without case in places (IAM), and Name is
// set per resource by kuberatorc.
func checkTags(env *model.Environment, ds *Diagnostics) {
	seen := map[string]string{}
	for _, k := range model.SortedKeys(env.Tags) {
		pos := env.Positions.Of("tags", k)
		lower := strings.ToLower(k)
		switch {
		case lower == "name":
			ds.errorf(pos, "remove it; each resource gets its own Name", "tag %q would overwrite the Name kuberatorc gives each resource", k)
		case seen[lower] != "":
			ds.errorf(pos, "keep one of them", "tag %q collides with tag %q: AWS compares tag keys without case", k, seen[lower])
		}
		seen[lower] = k
	}
}

func checkNetwork(env *model.Environment, ds *Diagnostics) {
	prefix := env.AWS.Region[:strings.LastIndex(env.AWS.Region, "-")+1]
	for i, z := range env.Network.Zones {
		if !strings.HasPrefix(z, prefix) || strings.TrimPrefix(z, prefix)[:1] != env.AWS.Region[len(prefix):] {
			ds.errorf(env.Positions.Of("network", "zones", strconv.Itoa(i)), "list zones of "+env.AWS.Region+", such as "+env.AWS.Region+"a",
				"zone %q is not in region %s", z, env.AWS.Region)
		}
	}
	if env.Network.CNI.ExternalSNAT == nil {
		ds.notef(env.Positions.Of("network", "cni", "externalSNAT"), "set network.cni.externalSNAT to make the choice explicit",
			"nodes sit in private subnets behind NAT: VPC CNI external SNAT defaults to true, so pod IPs stay inside the VPC")
	}
}

func checkCluster(env *model.Environment, ds *Diagnostics) {
	vpc := netip.MustParsePrefix(env.Network.VPCCIDR)
	svc := netip.MustParsePrefix(env.Cluster.ServiceCIDR)
	if vpc.Overlaps(svc) {
		ds.errorf(env.Positions.Of("cluster", "serviceCIDR"), "choose a service CIDR outside the VPC, such as 172.20.0.0/16",
			"service CIDR %s overlaps the VPC %s", svc, vpc)
	}
	ep := env.Cluster.Endpoint
	if !ep.Private && !ep.Public {
		ds.errorf(env.Positions.Of("cluster", "endpoint"), "set endpoint.private, endpoint.public or both",
			"the cluster endpoint is neither private nor public: nothing could reach the API server")
	}
	if ep.Public && !ep.AllowPublicEndpointFromAnywhere {
		if len(ep.PublicCIDRs) == 0 {
			ds.errorf(env.Positions.Of("cluster", "endpoint", "public"), "list the networks that may reach the API in endpoint.publicCIDRs, or set allowPublicEndpointFromAnywhere: true",
				"a public endpoint without publicCIDRs is open to the whole internet")
		}
		for i, c := range ep.PublicCIDRs {
			if netip.MustParsePrefix(c).Bits() == 0 {
				ds.errorf(env.Positions.Of("cluster", "endpoint", "publicCIDRs", strconv.Itoa(i)), "narrow the CIDR, or set allowPublicEndpointFromAnywhere: true on purpose",
					"%s opens the cluster API to the whole internet", c)
			}
		}
	}
	if !ep.Public && len(ep.PublicCIDRs) > 0 {
		ds.warnf(WarnPublicCIDRsUnused, env.Positions.Of("cluster", "endpoint", "publicCIDRs"), "remove publicCIDRs or set endpoint.public: true",
			"publicCIDRs has no effect on a private-only endpoint")
	}
}

// Label prefixes the NodeRestriction admission plugin lets a kubelet set on itself.
var allowedKubeletPrefixes = []string{"node.kubernetes.io/", "kubelet.kubernetes.io/"}

func checkNodeGroups(env *model.Environment, ds *Diagnostics) {
	for _, name := range model.SortedKeys(env.NodeGroups) {
		g := env.NodeGroups[name]
		for i, z := range g.Zones {
			if !slices.Contains(env.Network.Zones, z) {
				ds.errorf(env.Positions.Of("nodeGroups", name, "zones", strconv.Itoa(i)), "use one of "+strings.Join(env.Network.Zones, ", "),
					"node group %s uses zone %q, which is not in network.zones", name, z)
			}
		}
		for _, key := range model.SortedKeys(g.Labels) {
			pos := env.Positions.Of("nodeGroups", name, "labels", key)
			switch {
			case key == plan.LabelRole || key == plan.LabelZone || key == plan.LabelLifecycle:
				ds.errorf(pos, "remove the label; kuberatorc sets it from role, zone and capacity",
					"label %q is set by kuberatorc on every node", key)
			case restrictedLabel(key):
				ds.errorf(pos, "use a key outside kubernetes.io/ and k8s.io/, or under node.kubernetes.io/",
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

func checkAddons(env *model.Environment, cat *catalog, ds *Diagnostics) {
	needsSystem := false
	for _, name := range model.SortedKeys(env.Addons) {
		pos := env.Positions.Of("addons", name)
		info, known := cat.Addons[name]
		switch {
		case cat.Retired[name] != "":
			ds.errorf(pos, "replace it with "+cat.Retired[name], "add-on %q is retired; its successor is %q", name, cat.Retired[name])
			continue
		case !known && !slices.Contains(cat.Bootstrap, name):
			ds.errorf(pos, suggestion(name, cat.names()), "unknown add-on %q", name)
			continue
		}
		a := env.Addons[name]
		if name == "nginx" && a.Controller == "ingress-nginx" {
			info = cat.IngressNginx
		}
		a.Catalog = info
		a.DaemonSet = info != nil && info.DaemonSet
		needsSystem = needsSystem || !a.DaemonSet
		if info != nil && info.Note != "" {
			ds.notef(pos, "", "%s", info.Note)
		}
		if info != nil {
			checkMinor(env, name, info, ds)
			if a.Replicas != nil && info.Replicas == "" {
				ds.errorf(env.Positions.Of("addons", name, "replicas"), "remove replicas",
					"add-on %s takes no replicas: it runs as one instance (or one per node)", name)
			}
		}
		// Placement comes from the system node groups' role label and taints;
		// values that set it would pull an add-on off system nodes or leave it
		// unable to tolerate their taints.
		for _, key := range []string{"affinity", "nodeSelector", "tolerations"} {
			if _, set := a.Values[key]; set {
				ds.errorf(env.Positions.Of("addons", name, "values", key), "remove values."+key+"; kuberatorc places add-ons from the system node groups' labels and taints",
					"add-on %s sets %s, which would override its placement on system nodes", name, key)
			}
		}
		switch {
		case a.Controller != "" && name != "nginx":
			ds.errorf(env.Positions.Of("addons", name, "controller"), "remove controller; only nginx takes it",
				"add-on %q has no controller choice", name)
		case a.Controller == "ingress-nginx":
			ds.warnf(WarnIngressNginxRetired, env.Positions.Of("addons", name, "controller"), `drop controller to use the maintained NGINX ingress controller`,
				"the community ingress-nginx controller was retired in March 2026 and gets no more fixes")
		}
	}
	for _, name := range env.DisabledAddons {
		if _, known := cat.Addons[name]; !known && !slices.Contains(cat.Bootstrap, name) {
			ds.errorf(env.Positions.Of("addons", name), suggestion(name, cat.names()), "unknown add-on %q", name)
		}
	}
	checkHostedZones(env, ds)
	checkLogs(env, ds)
	checkPrometheusAdapter(env, ds)
	if needsSystem && !slices.ContainsFunc(model.SortedKeys(env.NodeGroups), func(n string) bool { return env.NodeGroups[n].Role == "system" }) {
		ds.errorf(env.Positions.Of("addons"), `add a node group with role: "system"`,
			"add-ons run only on system nodes, and no node group has role system")
	}
}

// impliedAddons enables what the rest of the spec needs to work: New
// Relic's Kubernetes integration when alerts go to New Relic (the conditions
// query its events), and the External Secrets Operator when a Secret must
// reach the cluster.
func impliedAddons(env *model.Environment, ds *Diagnostics) {
	imply := func(name string, pos model.Pos, why string) {
		if _, ok := env.Addons[name]; ok {
			return
		}
		if slices.Contains(env.DisabledAddons, name) {
			ds.errorf(env.Positions.Of("addons", name, "enabled"), "remove enabled: false, or remove what needs it",
				"add-on %s cannot be turned off: %s", name, why)
			return
		}
		if env.Addons == nil {
			env.Addons = map[string]*model.Addon{}
		}
		env.Addons[name] = &model.Addon{Enabled: true}
		ds.notef(pos, "", "kuberatorc enables add-on %s: %s", name, why)
	}
	if env.Alerts.ToNewRelic() && env.Alerts.NewRelic != nil {
		imply("nri-bundle", env.Positions.Of("alerts", "newrelic"),
			"New Relic's Kubernetes integration reports the events the alert conditions query")
	}
	if len(env.NodeGroups) > 0 {
		imply(plan.TerminationHandler, env.Positions.Of("nodeGroups"),
			"it drains a node before an instance refresh, a scale-in or a spot interruption takes it away")
	}
	if secrets := plan.ClusterSecrets(env); len(secrets) > 0 {
		imply("external-secrets", env.Positions.Of(secrets[0].Path...),
			"it delivers "+secrets[0].Parameter+" and the cluster's other secrets from SSM")
	}
}

// checkMinor: an add-on that follows the cluster's minor (an image built for
// it, a release tested against it) must know the spec's.
func checkMinor(env *model.Environment, name string, info *model.CatalogAddon, ds *Diagnostics) {
	minor := env.Cluster.Version
	if _, ok := info.Pin(minor); ok || env.Addons[name].ChartVersion != "" {
		return
	}
	ds.errorf(env.Positions.Of("cluster", "version"),
		fmt.Sprintf("use one of %s, or set addons.%q.chartVersion (and its image in values) to a release you have tested", strings.Join(model.SortedKeys(info.ByKubernetesMinor), ", "), name),
		"add-on %s has no release in the catalog for Kubernetes %s", name, minor)
}

// checkHostedZones: external-dns writes only the spec's hosted zones, so
// every domain it is asked to serve must lie in one of them.
func checkHostedZones(env *model.Environment, ds *Diagnostics) {
	if _, ok := env.Addons["external-dns"]; !ok {
		return
	}
	if len(env.HostedZones) == 0 {
		ds.notef(env.Positions.Of("addons", "external-dns"), "list hostedZones to pin the zone IDs external-dns may write",
			"no hostedZones: Terraform looks up the public zone of each of %s by name, and external-dns filters by domain only",
			strings.Join(env.DNSDomains(), ", "))
		return
	}
	inZone := func(host string) bool {
		for zone := range env.HostedZones {
			if host == zone || strings.HasSuffix(host, "."+zone) {
				return true
			}
		}
		return false
	}
	hint := func(name string) string {
		return fmt.Sprintf(`add hostedZones: {%q: "Z…"} with the zone's ID from Route 53`, name)
	}
	if !inZone(env.Domain) {
		ds.errorf(env.Positions.Of("addons", "external-dns"), hint(env.Domain),
			"external-dns may write only the spec's hostedZones, and none of them holds the domain %s", env.Domain)
	}
	if env.Ingress != nil {
		for i, h := range env.Ingress.ExternalHosts {
			if !inZone(h) {
				ds.errorf(env.Positions.Of("ingress", "externalHosts", strconv.Itoa(i)), hint(h),
					"external-dns may write only the spec's hostedZones, and none of them holds %s", h)
			}
		}
	}
}

// checkLogs: with custom log shipping, the spec gives fluent-bit its outputs.
func checkLogs(env *model.Environment, ds *Diagnostics) {
	a, ok := env.Addons["fluent-bit"]
	if !ok || env.Logs.Destination != "custom" {
		return
	}
	if c, ok := a.Values["config"].(map[string]any); !ok || c["outputs"] == nil {
		ds.errorf(env.Positions.Of("logs", "destination"), `give addons: "fluent-bit": values: config: outputs: "[OUTPUT] …", or drop destination to ship to CloudWatch Logs`,
			`logs.destination is "custom", and addons."fluent-bit" gives no values.config.outputs: fluent-bit would ship to its chart's default, an Elasticsearch that does not exist`)
	}
}

// checkPrometheusAdapter: the adapter serves metrics from a Prometheus; its
// catalog entry points at kube-prometheus-stack's.
func checkPrometheusAdapter(env *model.Environment, ds *Diagnostics) {
	a, ok := env.Addons["prometheus-adapter"]
	if !ok {
		return
	}
	if _, ok := env.Addons["kube-prometheus-stack"]; ok {
		return
	}
	if p, ok := a.Values["prometheus"].(map[string]any); ok && p["url"] != nil {
		return
	}
	ds.errorf(env.Positions.Of("addons", "prometheus-adapter"),
		`enable kube-prometheus-stack: {}, give values: prometheus: url: "http://…" of the Prometheus to read, or use keda`,
		"prometheus-adapter reads metrics from Prometheus, and no Prometheus runs in the cluster")
}

func checkHosts(env *model.Environment, ds *Diagnostics) {
	var external []string
	if env.Ingress != nil {
		for _, need := range []string{"nginx", "aws-load-balancer-controller"} {
			if _, ok := env.Addons[need]; !ok {
				ds.errorf(env.Positions.Of("ingress"), `add `+need+`: {} to addons`,
					"the ingress's ALB forwards to nginx through the AWS Load Balancer Controller, and add-on %s is not enabled", need)
			}
		}
		external = env.Ingress.ExternalHosts
		for i, c := range env.Ingress.InboundCIDRs {
			if netip.MustParsePrefix(c).Bits() == 0 && !env.Ingress.AllowFromAnywhere {
				ds.warnf(WarnALBOpenToAnywhere, env.Positions.Of("ingress", "inboundCIDRs", strconv.Itoa(i)), "list the networks that should reach the ALB, or set ingress.allowFromAnywhere: true for a public site",
					"the ALB accepts traffic from the whole internet (%s)", c)
			}
		}
		for i, h := range env.Ingress.Hosts {
			checkHost(env, h, external, env.Positions.Of("ingress", "hosts", strconv.Itoa(i)), ds)
		}
	}
	// Where each host and path is served, to find two workloads claiming one.
	served := map[string]string{}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		for _, h := range w.AllHosts() {
			pos := env.Positions.Of("workloads", name, "host")
			if h != w.Host {
				pos = env.Positions.Of("workloads", name, "hosts", strconv.Itoa(slices.Index(w.Hosts, h)))
			}
			checkHost(env, h, external, pos, ds)
			if env.Ingress == nil {
				ds.errorf(pos, "add an ingress section: the public ALB that forwards to nginx",
					"workload %s has a host, but the environment has no ingress to serve it", name)
			}
			for _, p := range w.Paths {
				if other, ok := served[h+p]; ok {
					ds.errorf(pos, "give one of them another host or path",
						"workload %s serves %s%s, which workload %s serves already", name, h, p, other)
					continue
				}
				served[h+p] = name
			}
		}
	}
}

func checkHost(env *model.Environment, host string, external []string, pos model.Pos, ds *Diagnostics) {
	if host == env.Domain || strings.HasSuffix(host, "."+env.Domain) || slices.Contains(external, host) {
		return
	}
	ds.errorf(pos, "use a name under "+env.Domain+", or list it in ingress.externalHosts",
		"host %q is outside the environment's domain %s", host, env.Domain)
}

func checkWorkloads(env *model.Environment, ds *Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		switch {
		case w.Stateful && w.Zone == "":
			ds.errorf(env.Positions.Of("workloads", name, "stateful"), "add zone: one of "+strings.Join(env.Network.Zones, ", "),
				"stateful workload %s names no zone; its EBS volumes are zonal, so it must be pinned to one", name)
		case w.Zone != "" && !w.Stateful:
			ds.errorf(env.Positions.Of("workloads", name, "zone"), "remove zone, or set stateful: true",
				"zone pins only stateful workloads; %s is stateless", name)
		case w.Zone != "" && !slices.Contains(env.Network.Zones, w.Zone):
			ds.errorf(env.Positions.Of("workloads", name, "zone"), "use one of "+strings.Join(env.Network.Zones, ", "),
				"workload %s is pinned to zone %q, which is not in network.zones", name, w.Zone)
		}
		if w.Volume != nil && !w.Stateful {
			ds.errorf(env.Positions.Of("workloads", name, "volume"), "set stateful: true",
				"workload %s has a volume but is not stateful", name)
		}
		checkProbes(env, name, w, ds)
		keys := map[string]string{}
		for _, p := range model.SortedKeys(w.Files) {
			k := model.FileKey(p)
			if other, ok := keys[k]; ok {
				ds.errorf(env.Positions.Of("workloads", name, "files", p), "rename one of them",
					"files %s and %s would share the ConfigMap key %s", other, p, k)
			}
			keys[k] = p
		}
		for i, peer := range w.AllowFrom {
			if _, ok := env.Workloads[peer]; !ok || peer == name {
				ds.errorf(env.Positions.Of("workloads", name, "allowFrom", strconv.Itoa(i)), suggestion(peer, model.SortedKeys(env.Workloads)),
					"allowFrom names %q, which is not another workload of the environment", peer)
			}
		}
		for _, key := range model.SortedKeys(w.Env) {
			if v, literal := w.Env[key].(string); literal && v != "" && secretName.MatchString(key) {
				ds.errorf(env.Positions.Of("workloads", name, "env", key), `write `+key+`: {ssmParameter: "/path"}; the cluster reads it into a Secret`,
					"%s holds a literal value, and a variable named like this holds a secret", key)
			}
		}
	}
}

// checkProbes: a probe checks the port the workload exposes, and a stop
// leaves time after the drain delay.
func checkProbes(env *model.Environment, name string, w *model.Workload, ds *Diagnostics) {
	for _, p := range []struct {
		field []string
		probe *model.Probe
	}{
		{[]string{"probe"}, w.Probe}, {[]string{"probes", "readiness"}, w.Probes.Readiness},
		{[]string{"probes", "liveness"}, w.Probes.Liveness}, {[]string{"probes", "startup"}, w.Probes.Startup},
	} {
		if p.probe == nil {
			continue
		}
		if port := p.probe.PortOr(w.Port); port != 0 && port != w.Port {
			ds.errorf(env.Positions.Of(append([]string{"workloads", name}, p.field...)...), fmt.Sprintf("probe port %d, or leave it out", w.Port),
				"the probe checks port %d, and workload %s exposes only port %d", port, name, w.Port)
		}
	}
	if s := w.PreStopSeconds; s != nil && *s >= w.TerminationGracePeriodSeconds {
		ds.errorf(env.Positions.Of("workloads", name, "preStopSeconds"), "make terminationGracePeriodSeconds longer than preStopSeconds",
			"workload %s waits %ds before stopping but may take only %ds in all", name, *s, w.TerminationGracePeriodSeconds)
	}
}

// secretName matches env variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)`)

// suggestion names the closest known names to a mistyped one.
func suggestion(name string, known []string) string {
	best, bestDist := "", len(name)/2+2
	for _, k := range known {
		if d := distance(name, k); d < bestDist || strings.Contains(k, name) && best == "" {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return "known names: " + strings.Join(known, ", ")
	}
	return "did you mean " + strconv.Quote(best) + "?"
}

// distance is the Levenshtein edit distance between two names.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
