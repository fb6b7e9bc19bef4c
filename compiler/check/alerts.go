package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/text"
)

// New Relic's limits on a NRQL condition.
const (
	minAggregationWindow = 30
	maxAggregationWindow = 6 * 3600
	maxThresholdDuration = 24 * 3600
)

func checkAlerts(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	a := env.Alerts
	if a == nil {
		return
	}
	checkDelivery(env, p, ds)
	for _, name := range model.SortedKeys(a.Destinations) {
		checkDestination(env, name, a.Destinations[name], ds)
		checkRouting(env, name, ds)
	}
	known := model.SortedKeys(a.Destinations)
	for _, r := range a.Rules.All() {
		pos := func(field ...string) model.Pos { return env.Positions.Of(append(slices.Clone(r.Path), field...)...) }
		for i, d := range r.Notify {
			if !slices.Contains(known, d) {
				ds.Errorf(pos("notify", strconv.Itoa(i)), text.Suggest(d, known), "destination %q is not defined in alerts.destinations", d)
			}
		}
		window, agg := model.Seconds(r.Window), model.Seconds(r.AggregationWindow)
		switch {
		case agg < minAggregationWindow || agg > maxAggregationWindow:
			ds.Errorf(pos("aggregationWindow"), "use 30s to 6h", "aggregation window %s is outside New Relic's 30s to 6h", r.AggregationWindow)
		case window%agg != 0:
			ds.Errorf(pos("window"), "make window a multiple of aggregationWindow ("+r.AggregationWindow+")",
				"window %s is not a multiple of the aggregation window %s", r.Window, r.AggregationWindow)
		case window > maxThresholdDuration:
			ds.Errorf(pos("window"), "use a window of at most 24h", "window %s is longer than New Relic's 24h", r.Window)
		}
		if r.Kind == "custom" {
			checkCustomRule(r, pos, ds)
		}
		if r.Kind == "nodeNotReady" && r.Threshold != nil {
			ds.Errorf(pos("threshold"), "remove threshold", "nodeNotReady fires for each node that is not Ready; it takes no threshold")
		}
	}
}

// checkDelivery: each delivery path has what it runs on, and every secret
// the cluster reads is an SSM parameter, the one kind of reference the
// External Secrets Operator can fetch.
func checkDelivery(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	a := env.Alerts
	pos := env.Positions.Of("alerts", "delivery")
	if a.ToNewRelic() && a.NewRelic == nil {
		ds.Errorf(pos, `add alerts.newrelic with the account and its API key, or set delivery: "alertmanager"`,
			"alerts are delivered by New Relic (delivery %q), and alerts.newrelic is not set", a.Delivery)
	}
	if a.ToAlertmanager() && !p.Runs(plan.KubePrometheusStack) {
		ds.Errorf(pos, `enable kube-prometheus-stack: {} in addons, or set delivery: "newrelic"`,
			"alerts are delivered by Alertmanager (delivery %q), and kube-prometheus-stack, which runs it, is not enabled", a.Delivery)
	}
	if a.ToNewRelic() && a.NewRelic != nil && a.NewRelic.LicenseKey.Variable != "" {
		ds.Errorf(env.Positions.Of("alerts", "newrelic", "licenseKey"), `write licenseKey: {ssmParameter: "/path"}`,
			"New Relic's Kubernetes integration reads its license key in the cluster, from SSM; a Terraform variable cannot reach it")
	}
	if !a.ToAlertmanager() {
		return
	}
	for _, name := range plan.RoutedDestinations(a) {
		field, ref := plan.Credential(a.Destinations[name])
		switch {
		case ref != nil && ref.Variable != "":
			ds.Errorf(env.Positions.Of("alerts", "destinations", name, field), `write `+field+`: {ssmParameter: "/path"}`,
				"Alertmanager reads the %s of destination %s in the cluster, from SSM; a Terraform variable cannot reach it", field, name)
		case ref == nil && a.ToNewRelic():
			ds.Warnf(diag.AlertmanagerUnreachable, env.Positions.Of("alerts", "destinations", name), "give it a credential from SSM (a Slack webhookURL) for Alertmanager to use",
				"only New Relic delivers to %s: Alertmanager has no way to reach it (%s)", name, unreachableWhy(a.Destinations[name]))
		case ref == nil:
			ds.Errorf(env.Positions.Of("alerts", "destinations", name), `give it a credential from SSM, or deliver through New Relic`,
				"Alertmanager cannot deliver to %s (%s), and alerts go only through Alertmanager", name, unreachableWhy(a.Destinations[name]))
		}
	}
}

func unreachableWhy(d *model.Destination) string {
	if d.Type == "email" {
		return "it is given no mail server"
	}
	return "an existing New Relic Slack destination has no webhook the cluster can use"
}

func checkDestination(env *model.Environment, name string, d *model.Destination, ds *diag.Diagnostics) {
	pos := env.Positions.Of("alerts", "destinations", name)
	switch d.Type {
	case "slack":
		if (d.WebhookURL == nil) == (d.ExistingDestination == "") {
			ds.Errorf(pos, "give webhookURL: {ssmParameter: …}, or existingDestination with channelID",
				"slack destination %s needs exactly one of webhookURL and existingDestination", name)
		}
	case "opsgenie":
		ds.Notef(pos, "plan a move to Jira Service Management or PagerDuty",
			"Opsgenie support ends on 5 April 2027; %s goes through a New Relic webhook to the Opsgenie alert API", name)
		// A New Relic webhook's URL is fixed, and the alert API closes an
		// alert only at a URL that names it; Alertmanager's receiver closes
		// alerts when they resolve.
		if env.Alerts.ToNewRelic() && !env.Alerts.ToAlertmanager() {
			ds.Warnf(diag.OpsgenieNoClose, pos, `deliver through Alertmanager too (delivery: "both"), whose Opsgenie receiver closes alerts when they resolve, or close them in Opsgenie`,
				"New Relic opens Opsgenie alerts for %s but cannot close them when the issue closes", name)
		}
	}
}

// checkRouting says when severity routing sends a destination more than its
// rules name: New Relic workflows here filter on policy and priority.
func checkRouting(env *model.Environment, dest string, ds *diag.Diagnostics) {
	var extra []string
	for _, r := range env.Alerts.Rules.All() {
		if slices.Contains(plan.RoutedRules(env.Alerts.Rules, dest), r.Name) && !slices.Contains(r.Notify, dest) {
			extra = append(extra, r.Name)
		}
	}
	if extra != nil {
		ds.Notef(env.Positions.Of("alerts", "destinations", dest), "add "+dest+" to those rules' notify to make it explicit, or give them another severity",
			"%s also receives %s: New Relic routes the policy's issues to a destination by severity", dest, strings.Join(extra, ", "))
	}
}

// checkCustomRule: the NRQL must read as a query, and the PromQL must parse,
// so a typo fails here and not in New Relic or Prometheus.
func checkCustomRule(r model.NamedRule, pos func(...string) model.Pos, ds *diag.Diagnostics) {
	q := strings.ToUpper(r.NRQL)
	if !strings.Contains(q, "SELECT ") || !strings.Contains(q, "FROM ") {
		ds.Errorf(pos("nrql"), "write a query such as FROM K8sPodSample SELECT count(*) WHERE …",
			"nrql of rule %s is not a NRQL query: it needs SELECT and FROM", r.Name)
	}
	expr, err := parser.ParseExpr(r.PromQL)
	if err != nil {
		ds.Errorf(pos("promql"), "fix the PromQL expression; kuberatorc appends the comparison with threshold",
			"promql of rule %s does not parse: %v", r.Name, err)
		return
	}
	if t := expr.Type(); t != parser.ValueTypeVector && t != parser.ValueTypeScalar {
		ds.Errorf(pos("promql"), "use an instant vector expression, such as sum by (pod) (rate(x[5m]))",
			"promql of rule %s is a %s; an alert needs an instant vector", r.Name, t)
	}
}
