package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/text"
)

// checkAddons: every add-on is one the catalog knows and not retired,
// takes only the settings it has, leaves its placement to kuberatorc, and
// has system nodes to run on.
func checkAddons(env *model.Environment, cat *model.Catalog, p *plan.Plan, ds *diag.Diagnostics) {
	checkImplied(env, p, ds)
	needsSystem := false
	for _, name := range model.SortedKeys(p.Addons) {
		pos := env.Positions.Of("addons", name)
		_, known := cat.Addons[name]
		switch {
		case cat.Retired[name] != "":
			ds.Errorf(pos, "replace it with "+cat.Retired[name], "add-on %q is retired; its successor is %q", name, cat.Retired[name])
			continue
		case !known && !slices.Contains(cat.Bootstrap, name):
			ds.Errorf(pos, text.Suggest(name, cat.AddonNames()), "unknown add-on %q", name)
			continue
		}
		a := p.Addons[name]
		info := a.Catalog
		needsSystem = needsSystem || !a.DaemonSet()
		if info != nil && info.Note != "" {
			ds.Notef(pos, "", "%s", info.Note)
		}
		if info != nil {
			checkMinor(env, p, name, info, ds)
			if a.Replicas != nil && info.Replicas == "" {
				ds.Errorf(env.Positions.Of("addons", name, "replicas"), "remove replicas",
					"add-on %s takes no replicas: it runs as one instance (or one per node)", name)
			}
		}
		// Placement comes from the system node groups' role label and taints;
		// values that set it would pull an add-on off system nodes or leave it
		// unable to tolerate their taints.
		for _, key := range []string{"affinity", "nodeSelector", "tolerations"} {
			if _, set := a.Values[key]; set {
				ds.Errorf(env.Positions.Of("addons", name, "values", key), "remove values."+key+"; kuberatorc places add-ons from the system node groups' labels and taints",
					"add-on %s sets %s, which would override its placement on system nodes", name, key)
			}
		}
		switch {
		case a.Controller != "" && name != plan.Nginx:
			ds.Errorf(env.Positions.Of("addons", name, "controller"), "remove controller; only nginx takes it",
				"add-on %q has no controller choice", name)
		case a.Controller == "ingress-nginx":
			ds.Warnf(diag.IngressNginxRetired, env.Positions.Of("addons", name, "controller"), `drop controller to use the maintained NGINX ingress controller`,
				"the community ingress-nginx controller was retired in March 2026 and gets no more fixes")
		}
	}
	for _, name := range env.DisabledAddons {
		if _, known := cat.Addons[name]; !known && !slices.Contains(cat.Bootstrap, name) {
			ds.Errorf(env.Positions.Of("addons", name), text.Suggest(name, cat.AddonNames()), "unknown add-on %q", name)
		}
	}
	checkHostedZones(env, p, ds)
	checkLogs(env, p, ds)
	checkPrometheusAdapter(env, p, ds)
	if needsSystem && !slices.ContainsFunc(model.SortedKeys(env.NodeGroups), func(n string) bool { return env.NodeGroups[n].Role == "system" }) {
		ds.Errorf(env.Positions.Of("addons"), `add a node group with role: "system"`,
			"add-ons run only on system nodes, and no node group has role system")
	}
}

// checkImplied says which add-ons kuberatorc enables because the rest of
// the spec needs them, and refuses turning one of them off.
func checkImplied(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	for _, i := range plan.Implied(env) {
		switch a, runs := p.Addons[i.Name]; {
		case runs && a.Implied != "":
			ds.Notef(env.Positions.Of(i.By...), "", "kuberatorc enables add-on %s: %s", i.Name, i.Why)
		case !runs && slices.Contains(env.DisabledAddons, i.Name):
			ds.Errorf(env.Positions.Of("addons", i.Name, "enabled"), "remove enabled: false, or remove what needs it",
				"add-on %s cannot be turned off: %s", i.Name, i.Why)
		}
	}
}

// checkMinor: an add-on's pinned chart must be ready for the cluster's
// minor (see Readiness); a chart version the spec sets is the team's own
// choice, and only the catalog's minimum applies to it.
func checkMinor(env *model.Environment, p *plan.Plan, name string, info *model.CatalogAddon, ds *diag.Diagnostics) {
	minor := env.Cluster.Version
	pos := env.Positions.Of("cluster", "version")
	r := Readiness(info, minor)
	if p.Addons[name].ChartVersion != "" && r.Kind != NeedsNewerMinor {
		return
	}
	switch r.Kind {
	case Ready:
	case Untested:
		ds.Warnf(diag.ChartUntested, pos, r.Hint, "add-on %s: %s", name, r.Why)
	default:
		ds.Errorf(pos, r.Hint, "add-on %s: %s", name, r.Why)
	}
}

// Verdicts on a chart for a Kubernetes minor, worst last.
const (
	Ready           = "ready"
	Untested        = "untested"
	NoRelease       = "no release"
	Excluded        = "excluded"
	NeedsNewerMinor = "needs a newer minor"
)

// ChartReadiness says whether an add-on's catalog chart is ready for a
// Kubernetes minor, and if not why, with a hint.
type ChartReadiness struct {
	Kind, Why, Hint string
}

// Readiness judges the catalog's chart of an add-on for a minor:
//   - the catalog's values may need a newer minor (minKubernetes);
//   - a release picked for the minor (byKubernetesMinor) is ready by that
//     choice; an add-on that pins some minors and has no tested range for
//     its own release (its image must match the minor) has none for the
//     others (see CatalogAddon.Pin);
//   - Helm refuses a chart whose kubeVersion constraint excludes the
//     cluster's version as EKS reports it (v1.N.P-eks-…, a semver
//     pre-release, which only a constraint with -0 admits);
//   - a minor outside the range upstream says it tested is a warning.
func Readiness(info *model.CatalogAddon, minor string) ChartReadiness {
	if info.MinKubernetes != "" && minorOf(minor) < minorOf(info.MinKubernetes) {
		return ChartReadiness{NeedsNewerMinor, fmt.Sprintf("the catalog's values need Kubernetes %s or later, and the cluster runs %s", info.MinKubernetes, minor),
			"upgrade the cluster to " + info.MinKubernetes + " or later first"}
	}
	if _, ok := info.ByKubernetesMinor[minor]; ok {
		return ChartReadiness{Kind: Ready}
	}
	if _, ok := info.Pin(minor); !ok {
		return ChartReadiness{NoRelease, "no release in the catalog for Kubernetes " + minor,
			fmt.Sprintf("use one of %s, or set chartVersion (and its image in values) to a release you have tested", strings.Join(model.SortedKeys(info.ByKubernetesMinor), ", "))}
	}
	if ok, err := plan.AdmitsKubernetes(info.KubeVersion, minor); err != nil || !ok {
		return ChartReadiness{Excluded, fmt.Sprintf("chart %s %s requires kubeVersion %s, which excludes Kubernetes %s as EKS reports it (%s): Helm refuses to install it",
			info.Chart, info.Version, info.KubeVersion, minor, plan.EKSVersion(minor)),
			"stay on a minor the chart admits, or set chartVersion to a release whose kubeVersion admits " + minor}
	}
	if t := info.Tested; t != nil && (minorOf(minor) < minorOf(t.From) || t.To != "" && minorOf(minor) > minorOf(t.To)) {
		span := t.From + "–" + t.To
		if t.To == "" {
			span = t.From + " and later"
		}
		return ChartReadiness{Untested, fmt.Sprintf("chart %s %s is tested on Kubernetes %s, and the cluster runs %s", info.Chart, info.Version, span, minor),
			fmt.Sprintf("upstream says so in %s; test the add-on on %s before prod, then accept this at cluster.version, or set chartVersion to a release tested on %s", t.Source, minor, minor)}
	}
	return ChartReadiness{Kind: Ready}
}

// checkHostedZones: external-dns writes only the spec's hosted zones, so
// every domain it is asked to serve must lie in one of them.
func checkHostedZones(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	if !p.Runs(plan.ExternalDNS) {
		return
	}
	if len(env.HostedZones) == 0 {
		ds.Notef(env.Positions.Of("addons", "external-dns"), "list hostedZones to pin the zone IDs external-dns may write",
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
		ds.Errorf(env.Positions.Of("addons", "external-dns"), hint(env.Domain),
			"external-dns may write only the spec's hostedZones, and none of them holds the domain %s", env.Domain)
	}
	if env.Ingress != nil {
		for i, h := range env.Ingress.ExternalHosts {
			if !inZone(h) {
				ds.Errorf(env.Positions.Of("ingress", "externalHosts", strconv.Itoa(i)), hint(h),
					"external-dns may write only the spec's hostedZones, and none of them holds %s", h)
			}
		}
	}
}

// checkLogs: with custom log shipping, the spec gives fluent-bit its outputs.
func checkLogs(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	a, ok := p.Addons[plan.FluentBit]
	if !ok || env.Logs.Destination != "custom" {
		return
	}
	if c, ok := a.Values["config"].(map[string]any); !ok || c["outputs"] == nil {
		ds.Errorf(env.Positions.Of("logs", "destination"), `give addons: "fluent-bit": values: config: outputs: "[OUTPUT] …", or drop destination to ship to CloudWatch Logs`,
			`logs.destination is "custom", and addons."fluent-bit" gives no values.config.outputs: fluent-bit would ship to its chart's default, an Elasticsearch that does not exist`)
	}
}

// checkPrometheusAdapter: the adapter serves metrics from a Prometheus; its
// catalog entry points at kube-prometheus-stack's.
func checkPrometheusAdapter(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	a, ok := p.Addons[plan.PrometheusAdapter]
	if !ok {
		return
	}
	if p.Runs(plan.KubePrometheusStack) {
		return
	}
	if p, ok := a.Values["prometheus"].(map[string]any); ok && p["url"] != nil {
		return
	}
	ds.Errorf(env.Positions.Of("addons", "prometheus-adapter"),
		`enable kube-prometheus-stack: {}, give values: prometheus: url: "http://…" of the Prometheus to read, or use keda`,
		"prometheus-adapter reads metrics from Prometheus, and no Prometheus runs in the cluster")
}

// minorOf is the minor number of a "1.N" version the schema has checked.
func minorOf(version string) int {
	_, minor, _ := strings.Cut(version, ".")
	n, _ := strconv.Atoi(minor)
	return n
}
