package plan

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/model"
)

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

// RoutedRules are the rules whose issues reach a destination in New Relic,
// which routes by severity: every rule of a severity the destination is
// named for, whether or not the rule names it.
func RoutedRules(r model.Rules, dest string) []string {
	var out []string
	for _, rule := range r.All() {
		if Notifies(r, dest, rule.Severity) {
			out = append(out, rule.Name)
		}
	}
	return out
}

// Notifies says whether any rule of this severity names the destination.
func Notifies(r model.Rules, dest, severity string) bool {
	for _, rule := range r.All() {
		if rule.Severity == severity && slices.Contains(rule.Notify, dest) {
			return true
		}
	}
	return false
}
