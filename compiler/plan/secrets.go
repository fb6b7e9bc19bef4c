package plan

import (
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

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
}

// Where the cluster's secrets live.
const (
	// NewRelicNamespace is where New Relic's Kubernetes integration runs.
	NewRelicNamespace = "newrelic"
	// NewRelicLicenseSecret holds its license key, under NewRelicLicenseKey.
	NewRelicLicenseSecret = "newrelic-license"
	NewRelicLicenseKey    = "licenseKey"
)

// LogGroup is the CloudWatch Logs group fluent-bit ships an environment's
// container logs to.
func LogGroup(cluster string) string { return "/aws/eks/" + cluster + "/containers" }

// WorkloadSecret is the Secret a workload's referenced env values arrive in.
func WorkloadSecret(workload string) string { return workload + "-env" }

// AlertingSecret is the Secret an Alertmanager receiver reads a
// destination's credential from.
func AlertingSecret(dest string) string { return "alerting-" + dest }

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
					Path: []string{"workloads", name, "env", key}}
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

// AlertmanagerDestinations are the routed destinations Alertmanager can
// deliver to: those whose credential the cluster can read from SSM. An
// existing New Relic Slack destination has no webhook, and email needs a
// mail server Alertmanager is not given; a receiver that cannot work would
// make prometheus-operator drop the whole AlertmanagerConfig.
func AlertmanagerDestinations(a *model.Alerts) []string {
	var out []string
	for _, name := range RoutedDestinations(a) {
		if _, ref := Credential(a.Destinations[name]); ref != nil && ref.SSMParameter != "" {
			out = append(out, name)
		}
	}
	return out
}

// RoutedDestinations are the destinations some rule notifies, sorted.
func RoutedDestinations(a *model.Alerts) []string {
	routed := map[string]bool{}
	for _, r := range a.Rules.All() {
		for _, d := range r.Notify {
			if a.Destinations[d] != nil {
				routed[d] = true
			}
		}
	}
	return model.SortedKeys(routed)
}

// Credential is the secret a destination's receiver reads, and its field.
func Credential(d *model.Destination) (string, *model.SecretRef) {
	switch d.Type {
	case "slack":
		return "webhookURL", d.WebhookURL
	case "opsgenie":
		return "apiKey", d.APIKey
	case "pagerduty":
		return "integrationKey", d.IntegrationKey
	case "webhook":
		return "url", d.URL
	}
	return "", nil
}

// TerminationHandler is the add-on that drains nodes before they go.
const TerminationHandler = "aws-node-termination-handler"

// TerminationQueue is the SQS queue the AWS Node Termination Handler reads:
// EventBridge puts the ASGs' termination lifecycle actions, spot
// interruption warnings and instance state changes there.
func TerminationQueue(cluster string) string { return cluster + "-node-termination" }

// TerminationQueueURL is the queue's URL, known before it exists.
func TerminationQueueURL(region, account, cluster string) string {
	domain := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://sqs." + region + "." + domain + "/" + account + "/" + TerminationQueue(cluster)
}

// TerminationManagedTag is the instance tag the handler checks before it
// drains a node: nodes without it are not its to drain.
const TerminationManagedTag = "aws-node-termination-handler/managed"
