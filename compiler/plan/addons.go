package plan

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/model"
)

// TerminationHandler is the add-on that drains nodes before they go.
const TerminationHandler = "aws-node-termination-handler"

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
		out = append(out, Implication{"nri-bundle", "New Relic's Kubernetes integration reports the events the alert conditions query",
			[]string{"alerts", "newrelic"}})
	}
	if len(env.NodeGroups) > 0 {
		out = append(out, Implication{TerminationHandler, "it drains a node before an instance refresh, a scale-in or a spot interruption takes it away",
			[]string{"nodeGroups"}})
	}
	if secrets := ClusterSecrets(env); len(secrets) > 0 {
		out = append(out, Implication{"external-secrets", "it delivers " + secrets[0].Parameter + " and the cluster's other secrets from SSM",
			secrets[0].Path})
	}
	return out
}

// resolveAddons pairs each add-on the spec enables with its catalog entry,
// and adds the implied ones the spec neither names nor turns off.
func resolveAddons(env *model.Environment, cat *model.Catalog) map[string]*Addon {
	out := map[string]*Addon{}
	entry := func(name string, a *model.Addon) *model.CatalogAddon {
		if name == "nginx" && a.Controller == "ingress-nginx" {
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

// Runs says whether the cluster runs an add-on.
func (p *Plan) Runs(name string) bool {
	_, ok := p.Addons[name]
	return ok
}
