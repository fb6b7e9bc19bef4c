package plan

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/model"
)

// Add-ons the rest of the spec refers to by name. What an add-on does is
// in its catalog entry where it can be (shipsLogs, daemonSet, layer); these
// are the names other parts of the output are wired to.
const (
	// TerminationHandler drains nodes before they go.
	TerminationHandler = "aws-node-termination-handler"
	// Nginx is the ingress controller the ALB forwards to.
	Nginx = "nginx"
	// LoadBalancerController makes the ALB.
	LoadBalancerController = "aws-load-balancer-controller"
	// ExternalSecrets delivers the cluster's secrets from SSM.
	ExternalSecrets = "external-secrets"
	// ExternalDNS writes the hosts' records.
	ExternalDNS = "external-dns"
	// KubePrometheusStack runs Prometheus and Alertmanager, which take the
	// alert rules when they are delivered in the cluster.
	KubePrometheusStack = "kube-prometheus-stack"
	// NRIBundle is New Relic's Kubernetes integration.
	NRIBundle = "nri-bundle"
	// PrometheusAdapter serves metrics from a Prometheus.
	PrometheusAdapter = "prometheus-adapter"
	// FluentBit is the log shipper whose outputs a spec may give.
	FluentBit = "fluent-bit"
)

// Addon is an add-on the cluster runs: the spec's settings with the
// catalog entry they refer to.
type Addon struct {
	// Addon is the spec's settings; zero for an add-on kuberatorc enables.
	*model.Addon
	Name string
	// Catalog is the add-on's stdlib entry (for nginx, the chosen
	// controller's). Nil for add-ons Flux bootstraps, and for names the
	// catalog does not know (the checks report those).
	Catalog *model.CatalogAddon
	// Implied says why kuberatorc enables the add-on, which the spec does
	// not name; ImpliedBy is the spec field that needs it.
	Implied   string
	ImpliedBy []string
}

// DaemonSet says the add-on runs on every node.
func (a *Addon) DaemonSet() bool { return a.Catalog != nil && a.Catalog.DaemonSet }

// An Implication is an add-on the rest of the spec needs to work, and why.
type Implication struct {
	Name string
	Why  string
	// By is the spec field that needs it.
	By []string
}

// Implied lists what the spec needs beyond the add-ons it names: New
// Relic's Kubernetes integration when alerts go to New Relic (the
// conditions query its events), the termination handler wherever nodes
// run, and the External Secrets Operator when a Secret must reach the
// cluster. The spec may name them itself.
func Implied(env *model.Environment) []Implication {
	var out []Implication
	if env.Alerts.ToNewRelic() && env.Alerts.NewRelic != nil {
		out = append(out, Implication{NRIBundle, "New Relic's Kubernetes integration reports the events the alert conditions query",
			[]string{"alerts", "newrelic"}})
	}
	if len(env.NodeGroups) > 0 {
		out = append(out, Implication{TerminationHandler, "it drains a node before an instance refresh, a scale-in or a spot interruption takes it away",
			[]string{"nodeGroups"}})
	}
	if secrets := ClusterSecrets(env); len(secrets) > 0 {
		out = append(out, Implication{ExternalSecrets, "it delivers " + secrets[0].Parameter + " and the cluster's other secrets from SSM",
			secrets[0].Path})
	}
	return out
}

// resolveAddons pairs each add-on the spec enables with its catalog entry,
// and adds the implied ones the spec neither names nor turns off.
func resolveAddons(env *model.Environment, cat *model.Catalog) map[string]*Addon {
	out := map[string]*Addon{}
	entry := func(name string, a *model.Addon) *model.CatalogAddon {
		if name == Nginx && a.Controller == "ingress-nginx" {
			return cat.IngressNginx
		}
		return cat.Addons[name]
	}
	for name, a := range env.Addons {
		out[name] = &Addon{Addon: a, Name: name, Catalog: entry(name, a)}
	}
	for _, i := range Implied(env) {
		if _, named := out[i.Name]; named || slices.Contains(env.DisabledAddons, i.Name) {
			continue
		}
		a := &model.Addon{Enabled: true}
		out[i.Name] = &Addon{Addon: a, Name: i.Name, Catalog: entry(i.Name, a), Implied: i.Why, ImpliedBy: i.By}
	}
	return out
}

// LogShipper is the add-on that ships the containers' logs, if one runs.
func (p *Plan) LogShipper() (*Addon, bool) {
	for _, name := range model.SortedKeys(p.Addons) {
		if a := p.Addons[name]; a.Catalog != nil && a.Catalog.ShipsLogs {
			return a, true
		}
	}
	return nil, false
}

// Runs says whether the cluster runs an add-on.
func (p *Plan) Runs(name string) bool {
	_, ok := p.Addons[name]
	return ok
}
