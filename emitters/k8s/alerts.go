package k8s

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// alerts writes the Prometheus twin of the New Relic rules when the cluster
// runs kube-prometheus-stack: the same rules in PromQL, and Alertmanager
// routes to the same destinations, one route per rule and destination.
func (e *emitter) alerts() {
	if !e.prometheusAlerts() {
		return
	}
	// Configs: kube-prometheus-stack, in the infra layer, brings their CRDs.
	for _, o := range []obj{e.prometheusRule(), e.alertmanagerConfig()} {
		e.add(layout.Configs, fileName(o["kind"].(string), plan.AlertsName(e.env.Name)), o)
	}
}

// prometheusAlerts says whether the alert rules go to Prometheus (the
// compiler has checked that kube-prometheus-stack runs when they do).
func (e *emitter) prometheusAlerts() bool {
	ok := e.plan.Runs(plan.KubePrometheusStack)
	return ok && e.env.Alerts.ToAlertmanager()
}

func (e *emitter) prometheusRule() obj {
	var rules []obj
	for _, r := range e.env.Alerts.Rules.All() {
		expr, hold := PromQL(e.env.Name, r)
		rule := obj{
			"alert": r.Name,
			"expr":  expr,
			// namespace: Alertmanager matches this environment's routes on
			// it, and node-level alerts carry none of their own.
			"labels": map[string]string{
				"severity": r.Severity, "environment": e.env.Name, "rule": r.Name, "namespace": e.env.Name,
			},
			"annotations": map[string]string{"summary": e.env.Name + ": " + r.Name},
		}
		if hold != "" {
			rule["for"] = hold
		}
		rules = append(rules, rule)
	}
	return obj{
		"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
		"metadata": obj{"name": plan.AlertsName(e.env.Name), "namespace": e.env.Name,
			"labels": map[string]string{"release": e.plan.Addons[plan.KubePrometheusStack].Catalog.Release}},
		"spec": obj{"groups": []obj{{"name": e.env.Name, "rules": rules}}},
	}
}

// PromQL is a rule's expression over kube-state-metrics and cAdvisor, and how
// long it must hold. Counts are taken over the whole window at once; gauges
// must stay above the threshold for the window, as in New Relic.
func PromQL(namespace string, r model.NamedRule) (expr, hold string) {
	ns := fmt.Sprintf("namespace=%q", namespace)
	switch r.Kind {
	case "containerRestarts":
		// Or waiting in CrashLoopBackOff: a steady crash loop restarts only
		// once per back-off, which a short window's count misses.
		return fmt.Sprintf("sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{%[1]s}[%[2]s])) > %[3]s"+
			` or max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{%[1]s, reason="CrashLoopBackOff"}) > 0`,
			ns, r.Window, num(*r.Threshold)), ""
	case "podsFailing":
		return fmt.Sprintf(`sum by (namespace) (kube_pod_status_phase{%s, phase="Failed"}) > %s`, ns, num(*r.Threshold)), r.Window
	case "podMemoryNearLimit":
		return fmt.Sprintf(`100 * max by (namespace, pod, container) (container_memory_working_set_bytes{%[1]s, container!="", image!=""})`+
			` / max by (namespace, pod, container) (kube_pod_container_resource_limits{%[1]s, resource="memory"}) > %s`, ns, num(*r.ThresholdPercent)), r.Window
	case "nodeNotReady":
		// Per node, whatever its Ready status is other than true (False or
		// Unknown), as the API holds it: a node removed on purpose leaves the
		// API and its series with it; a draining one stays Ready.
		return `max by (node) (kube_node_status_condition{condition="Ready", status="true"}) < 1`, r.Window
	case "nodeAllocatableNearFull":
		return fmt.Sprintf(`100 * sum by (node) (container_memory_working_set_bytes{container!="", image!=""})`+
			` / sum by (node) (kube_node_status_allocatable{resource="memory"}) > %s`, num(*r.ThresholdPercent)), r.Window
	}
	return "(" + strings.TrimSpace(r.PromQL) + ") > " + num(*r.Threshold), r.Window
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func (e *emitter) alertmanagerConfig() obj {
	a := e.env.Alerts
	// Only destinations some rule routes to: a receiver reads its Secret,
	// which exists only for those.
	receivers := []obj{{"name": "none"}}
	reachable := plan.AlertmanagerDestinations(a)
	for _, name := range reachable {
		receivers = append(receivers, receiver(name, a.Destinations[name]))
	}
	var routes []obj
	for _, r := range a.Rules.All() {
		for _, dest := range r.Notify {
			if !slices.Contains(reachable, dest) {
				continue // New Relic alone delivers there (the compiler says so)
			}
			routes = append(routes, obj{
				"receiver": dest,
				// No matchType: empty means equality, and a bare "=" is
				// misread by YAML 1.1 parsers (it is YAML 1.1's value key).
				"matchers": []obj{{"name": "rule", "value": r.Name}},
				"continue": true,
			})
		}
	}
	return obj{
		"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
		"metadata": obj{"name": plan.AlertsName(e.env.Name), "namespace": e.env.Name},
		"spec": obj{
			"route": obj{
				"receiver": "none",
				"groupBy":  []string{"alertname", "namespace"},
				"routes":   routes,
			},
			"receivers": receivers,
		},
	}
}

func receiver(name string, d *model.Destination) obj {
	// An ExternalSecret of the configs layer makes it from the same SSM
	// parameter New Relic reads.
	secret := obj{"name": plan.AlertingSecret(name), "key": plan.AlertingSecretKey[d.Type]}
	r := obj{"name": name}
	switch d.Type {
	case "slack":
		r["slackConfigs"] = []obj{{"apiURL": secret, "channel": d.Channel, "sendResolved": true}}
	case "opsgenie":
		cfg := obj{"apiKey": secret, "sendResolved": true}
		if d.Region == "EU" {
			cfg["apiURL"] = "https://api.eu.opsgenie.com/"
		}
		r["opsgenieConfigs"] = []obj{cfg}
	case "pagerduty":
		r["pagerdutyConfigs"] = []obj{{"routingKey": secret, "sendResolved": true}}
	case "email":
		r["emailConfigs"] = []obj{{"to": strings.Join(d.Addresses, ","), "sendResolved": true}}
	case "webhook":
		r["webhookConfigs"] = []obj{{"urlSecret": secret, "sendResolved": true}}
	}
	return r
}
