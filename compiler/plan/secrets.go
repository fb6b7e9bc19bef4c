package plan

import "github.com/kuberator/kuberator/compiler/model"

// A ClusterSecret is one key of a Kubernetes Secret the output needs,
// delivered by the External Secrets Operator from an SSM parameter or a
// Secrets Manager secret: nobody creates it by hand.
type ClusterSecret struct {
	Namespace, Name, Key string
	// Parameter is the SSM parameter, or the Secrets Manager secret, that
	// holds the value.
	Parameter string
	// Path is the spec field that names the parameter.
	Path []string
	// SecretsManager says Parameter is a Secrets Manager secret, Property
	// the field of it that holds the value ("" for all of it).
	SecretsManager bool
	Property       string
	// Workload is the workload the Secret is for; "" for one the platform
	// shares (New Relic's license key, Alertmanager's credentials).
	Workload string
}

// Where the cluster's secrets live.
const (
	// NewRelicNamespace is where New Relic's Kubernetes integration runs.
	NewRelicNamespace = "newrelic"
	// NewRelicLicenseSecret holds its license key, under NewRelicLicenseKey.
	NewRelicLicenseSecret = "newrelic-license"
	NewRelicLicenseKey    = "licenseKey"
)

// AlertingSecretKey is the key in that Secret, by destination type.
var AlertingSecretKey = map[string]string{
	"slack": "webhookURL", "opsgenie": "apiKey", "pagerduty": "integrationKey", "webhook": "url",
}

// ClusterSecrets lists the Secrets the environment's cluster needs, a key
// each: New Relic's license key when alerts go to New Relic, the referenced
// env values of the workloads, and the credential of every destination an
// Alertmanager route reaches. A Terraform variable cannot reach the cluster
// and is left out (the compiler reports it).
func ClusterSecrets(env *model.Environment) []ClusterSecret {
	a := env.Alerts
	var out []ClusterSecret
	if a.ToNewRelic() && a.NewRelic != nil && a.NewRelic.LicenseKey != nil && a.NewRelic.LicenseKey.SSMParameter != "" {
		out = append(out, ClusterSecret{Namespace: NewRelicNamespace, Name: NewRelicLicenseSecret, Key: NewRelicLicenseKey,
			Parameter: a.NewRelic.LicenseKey.SSMParameter, Path: []string{"alerts", "newrelic", "licenseKey"}})
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		for _, key := range model.SortedKeys(w.Env) {
			if ref := w.EnvRef(key); ref != nil {
				s := ClusterSecret{Namespace: env.Name, Name: WorkloadSecret(name), Key: key, Parameter: ref.SSMParameter,
					Path: []string{"workloads", name, "env", key}, Workload: name}
				if ref.SecretsManager != "" {
					s.Parameter, s.SecretsManager, s.Property = ref.SecretsManager, true, ref.Key
				}
				out = append(out, s)
			}
		}
	}
	if !a.ToAlertmanager() {
		return out
	}
	for _, name := range AlertmanagerDestinations(a) {
		field, ref := Credential(a.Destinations[name])
		out = append(out, ClusterSecret{Namespace: env.Name, Name: AlertingSecret(name), Key: AlertingSecretKey[a.Destinations[name].Type],
			Parameter: ref.SSMParameter, Path: []string{"alerts", "destinations", name, field}})
	}
	return out
}
