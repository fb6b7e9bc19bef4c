package newrelic

import (
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Priorities New Relic gives issues from critical and warning terms.
var priority = map[string]string{"critical": "CRITICAL", "warning": "HIGH"}

// notifications emits, per destination, where New Relic sends to, and per
// destination and severity that its rules name, a channel and a workflow that
// routes the policy's issues of that severity there. A workflow filters on
// documented issue attributes only: the policy and the priority.
func (e emitter) notifications() module {
	m := module{}
	a := e.env.Alerts
	for _, name := range model.SortedKeys(a.Destinations) {
		d := a.Destinations[name]
		destination := e.destination(m, name, d)
		for _, sev := range []string{"critical", "warning"} {
			if !notifies(a.Rules, name, sev) {
				continue
			}
			key := plan.Key(name) + "_" + sev
			m.Resource("newrelic_notification_channel", key, e.channel(name, sev, d, destination))
			m.Resource("newrelic_workflow", key, obj{
				"account_id":            a.NewRelic.AccountID,
				"name":                  e.env.Name + ": " + sev + " to " + name,
				"muting_rules_handling": "DONT_NOTIFY_FULLY_MUTED_ISSUES",
				"issues_filter": obj{
					"name": e.env.Name + " " + sev,
					"type": "FILTER",
					"predicate": []obj{
						{"attribute": "labels.policyIds", "operator": "EXACTLY_MATCHES", "values": []string{ref("newrelic_alert_policy.main.id")}},
						{"attribute": "priority", "operator": "EQUAL", "values": []string{priority[sev]}},
					},
				},
				"destination": []obj{{
					"channel_id":            ref("newrelic_notification_channel.%s.id", key),
					"notification_triggers": triggers(d),
				}},
			})
		}
	}
	return m
}

// notifies: does any rule of this severity name the destination?
func notifies(r model.Rules, dest, severity string) bool {
	for _, rule := range r.All() {
		if rule.Severity == severity && slices.Contains(rule.Notify, dest) {
			return true
		}
	}
	return false
}

// RoutedRules are the rules whose issues reach a destination: New Relic
// routes by severity, so every rule of a severity the destination is named
// for, whether or not the rule names it.
func RoutedRules(r model.Rules, dest string) []string {
	var out []string
	for _, rule := range r.All() {
		if notifies(r, dest, rule.Severity) {
			out = append(out, rule.Name)
		}
	}
	return out
}

// triggers: Opsgenie's alert API only creates alerts from what we send, so it
// hears only of new issues; the others also hear of acknowledgement and close.
func triggers(d *model.Destination) []string {
	if d.Type == "opsgenie" {
		return []string{"ACTIVATED"}
	}
	return []string{"ACTIVATED", "ACKNOWLEDGED", "CLOSED"}
}

// destination emits (or, for an existing Slack destination, looks up) where
// alerts go and returns the expression of its id.
func (e emitter) destination(m module, name string, d *model.Destination) string {
	key := plan.Key(name)
	account := e.env.Alerts.NewRelic.AccountID
	dest := obj{"account_id": account, "name": e.env.Name + " " + name, "active": true}
	switch d.Type {
	case "slack":
		if d.ExistingDestination != "" {
			// Terraform cannot create a Slack destination: it needs OAuth in the UI.
			m.Data("newrelic_notification_destination", key, obj{"account_id": account, "name": d.ExistingDestination})
			return ref("data.newrelic_notification_destination.%s.id", key)
		}
		dest["type"] = "WEBHOOK"
		dest["property"] = []obj{{"key": "url", "value": secret(*d.WebhookURL)}}
	case "opsgenie":
		dest["type"] = "WEBHOOK"
		dest["property"] = []obj{{"key": "url", "value": opsgenieURL(d.Region)}}
		dest["auth_token"] = obj{"prefix": "GenieKey", "token": secret(*d.APIKey)}
	case "pagerduty":
		dest["type"] = "PAGERDUTY_SERVICE_INTEGRATION"
		dest["property"] = []obj{{"key": "", "value": ""}}
		dest["auth_token"] = obj{"token": secret(*d.IntegrationKey)}
	case "email":
		dest["type"] = "EMAIL"
		dest["property"] = []obj{{"key": "email", "value": strings.Join(d.Addresses, ",")}}
	case "webhook":
		dest["type"] = "WEBHOOK"
		dest["property"] = []obj{{"key": "url", "value": secret(*d.URL)}}
	}
	m.Resource("newrelic_notification_destination", key, dest)
	return ref("newrelic_notification_destination.%s.id", key)
}

func opsgenieURL(region string) string {
	if region == "EU" {
		return "https://api.eu.opsgenie.com/v2/alerts"
	}
	return "https://api.opsgenie.com/v2/alerts"
}

// channel says how a destination receives one severity's issues.
func (e emitter) channel(name, sev string, d *model.Destination, destination string) obj {
	c := obj{
		"account_id":     e.env.Alerts.NewRelic.AccountID,
		"name":           e.env.Name + " " + name + " " + sev,
		"destination_id": destination,
		"product":        "IINT",
		"active":         true,
	}
	switch {
	case d.Type == "slack" && d.ExistingDestination != "":
		c["type"] = "SLACK"
		c["property"] = []obj{{"key": "channelId", "value": d.ChannelID}}
	case d.Type == "slack":
		c["type"] = "WEBHOOK"
		c["property"] = []obj{{"key": "payload", "label": "Payload Template", "value": mustJSON(obj{
			"channel": d.Channel,
			"text":    "*{{issueTitle}}* ({{priority}}, {{state}})\n{{issuePageUrl}}",
		})}}
	case d.Type == "opsgenie":
		opsPriority := map[string]string{"critical": "P1", "warning": "P3"}[sev]
		c["type"] = "WEBHOOK"
		c["property"] = []obj{{"key": "payload", "label": "Payload Template", "value": mustJSON(obj{
			"message":     "{{issueTitle}}",
			"alias":       "{{issueId}}",
			"description": "{{issuePageUrl}}",
			"priority":    opsPriority,
			"tags":        []string{e.env.Name, "newrelic"},
		})}}
	case d.Type == "pagerduty":
		c["type"] = "PAGERDUTY_SERVICE_INTEGRATION"
		c["property"] = []obj{{"key": "summary", "value": "{{issueTitle}}"}}
	case d.Type == "email":
		c["type"] = "EMAIL"
		c["property"] = []obj{{"key": "subject", "value": "[" + e.env.Name + "] {{issueTitle}}"}}
	default:
		c["type"] = "WEBHOOK"
		c["property"] = []obj{{"key": "payload", "label": "Payload Template", "value": mustJSON(obj{
			"environment": e.env.Name, "issue": "{{issueTitle}}", "priority": "{{priority}}", "state": "{{state}}", "url": "{{issuePageUrl}}",
		})}}
	}
	return c
}
