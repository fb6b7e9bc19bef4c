package load

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/model"
)

// normalize fills the defaults that depend on other fields, which the schema
// leaves open to keep its error messages plain.
func normalize(env *model.Environment) {
	if env.Cluster.BootstrapCreatorAdmin == nil {
		// With an admin named in access, the creator (often a CI role) needs none.
		creator := !slices.ContainsFunc(env.Access, func(a model.AccessEntry) bool { return a.Policy == "clusterAdmin" })
		env.Cluster.BootstrapCreatorAdmin = &creator
	}
	for _, name := range model.SortedKeys(env.Addons) {
		if !env.Addons[name].Enabled {
			env.DisabledAddons = append(env.DisabledAddons, name)
			delete(env.Addons, name)
		}
	}
	if a := env.Alerts; a != nil && a.NewRelic != nil && a.NewRelic.LicenseKey == nil {
		a.NewRelic.LicenseKey = &model.SecretRef{SSMParameter: DefaultLicenseKey(env.Name)}
	}
	for _, g := range env.NodeGroups {
		if len(g.Zones) == 0 {
			g.Zones = env.Network.Zones
		}
		if g.PerZone.Desired == nil {
			min := g.PerZone.Min
			g.PerZone.Desired = &min
		}
	}
}

// DefaultLicenseKey is the SSM parameter the cluster reads New Relic's
// license key from when the spec names none.
func DefaultLicenseKey(env string) string { return "/" + env + "/newrelic/license-key" }
