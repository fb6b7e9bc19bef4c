package newrelic

import (
	"fmt"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// policy emits one policy for the environment and a NRQL condition per rule.
func (e emitter) policy() module {
	m := module{}
	m.Resource("newrelic_alert_policy", "main", obj{
		"account_id": e.env.Alerts.NewRelic.AccountID,
		"name":       e.env.Name + " platform",
		// One issue per condition and facet (container, pod, node), so two
		// crashing pods are two issues, not one that hides the second.
		"incident_preference": "PER_CONDITION_AND_TARGET",
	})
	for _, r := range e.env.Alerts.Rules.All() {
		m.Resource("newrelic_nrql_alert_condition", conditionKey(r), e.condition(r))
		if r.Kind == "containerRestarts" {
			m.Resource("newrelic_nrql_alert_condition", conditionKey(r)+"_crashloop", e.crashLoop(r))
		}
	}
	m.Resource("newrelic_nrql_alert_condition", "signal_lost", e.signalLost())
	return m
}

// crashLoop is containerRestarts' second signal: a container in a steady
// CrashLoopBackOff restarts once per back-off (up to five minutes), which a
// restart count over a short window misses, but it is seen waiting with that
// reason (nri-kubernetes, K8sContainerSample.reason).
func (e emitter) crashLoop(r model.NamedRule) obj {
	c := e.condition(r)
	c["name"] = plan.ConditionName(e.env.Name, r.Name) + " (CrashLoopBackOff)"
	c["description"] = "A container is waiting in CrashLoopBackOff."
	c["nrql"] = obj{"query": "FROM K8sContainerSample SELECT count(*) WHERE " + e.workloads() +
		" AND reason = 'CrashLoopBackOff' FACET containerName, podName, namespaceName, clusterName"}
	c[r.Severity] = obj{"operator": "above", "threshold": 0, "threshold_duration": model.Seconds(r.Window), "threshold_occurrences": "all"}
	return c
}

// signalLost pages when no node of the cluster reports any more: the
// integration is down, or the cluster is. The per-facet conditions cannot
// say so, because their facets (pods, containers, nodes) come and go.
func (e emitter) signalLost() obj {
	return obj{
		"account_id":  e.env.Alerts.NewRelic.AccountID,
		"policy_id":   ref("newrelic_alert_policy.main.id"),
		"type":        "static",
		"name":        plan.SignalLostName(e.env.Name),
		"description": "No K8sNodeSample from the cluster: New Relic's Kubernetes integration or the cluster stopped reporting.",
		"enabled":     true,
		"nrql": obj{"query": fmt.Sprintf("FROM K8sNodeSample SELECT uniqueCount(nodeName) WHERE clusterName = '%s' FACET clusterName",
			e.plan.ClusterName)},
		"aggregation_window":           60,
		"aggregation_method":           "event_flow",
		"aggregation_delay":            "120",
		"violation_time_limit_seconds": 86400,
		"expiration_duration":          signalLostAfter,
		"open_violation_on_expiration": true,
		"critical":                     obj{"operator": "below", "threshold": 1, "threshold_duration": 300, "threshold_occurrences": "all"},
	}
}

// signalLostAfter is how long a facet may go silent before New Relic treats
// its signal as lost: ten minutes, past the integration's scrape interval and
// the aggregation delay.
const signalLostAfter = 600

func conditionKey(r model.NamedRule) string {
	if r.Kind == "custom" {
		return "custom_" + plan.Key(r.Name)
	}
	return plan.Key(r.Name)
}

func (e emitter) condition(r model.NamedRule) obj {
	query, operator, threshold := e.signal(r)
	term := obj{
		"operator":              operator,
		"threshold":             threshold,
		"threshold_duration":    model.Seconds(r.Window),
		"threshold_occurrences": "all",
	}
	c := obj{
		"account_id":                   e.env.Alerts.NewRelic.AccountID,
		"policy_id":                    ref("newrelic_alert_policy.main.id"),
		"type":                         "static",
		"name":                         plan.ConditionName(e.env.Name, r.Name),
		"description":                  description(r),
		"enabled":                      true,
		"nrql":                         obj{"query": query},
		"aggregation_window":           model.Seconds(r.AggregationWindow),
		"aggregation_method":           "event_flow",
		"aggregation_delay":            "120",
		"violation_time_limit_seconds": 86400,
		r.Severity:                     term,
		// The facets (containers, pods, nodes) vanish when they are replaced:
		// an open issue closes when its facet stops reporting.
		"expiration_duration":            max(signalLostAfter, 2*model.Seconds(r.Window)),
		"close_violations_on_expiration": true,
	}
	// No condition opens an issue when a facet goes silent: a node removed
	// on purpose (a scale-in, a refresh, a spot reclaim) goes silent exactly
	// like a dead one, and nothing tags it as expected. A cluster that stops
	// reporting altogether has signalLost.
	return c
}

func (e emitter) workloads() string {
	return fmt.Sprintf("clusterName = '%s' AND namespaceName = '%s'", e.plan.ClusterName, e.env.Name)
}

// signal is each rule kind's NRQL, scoped to the environment's cluster (the
// same name as the EKS cluster) and, for workload rules, its namespace.
func (e emitter) signal(r model.NamedRule) (query, operator string, threshold float64) {
	cluster := fmt.Sprintf("clusterName = '%s'", e.plan.ClusterName)
	workloads := e.workloads()
	switch r.Kind {
	case "containerRestarts":
		return "FROM K8sContainerSample SELECT sum(restartCountDelta) WHERE " + workloads +
			" FACET containerName, podName, namespaceName, clusterName", "above", *r.Threshold
	case "podsFailing":
		return "FROM K8sPodSample SELECT uniqueCount(podName) WHERE " + workloads +
			" AND status = 'Failed' FACET namespaceName, clusterName", "above", *r.Threshold
	case "podMemoryNearLimit":
		// The working set against the limit, as the OOM killer sees it.
		// nri-kubernetes has no working-set share: its memoryUtilization is
		// usage (page cache included) over the limit (src/metric/definition.go).
		return "FROM K8sContainerSample SELECT average(memoryWorkingSetBytes) / average(memoryLimitBytes) * 100 WHERE " + workloads +
			" AND memoryLimitBytes > 0 FACET containerName, podName, namespaceName, clusterName", "above", *r.ThresholdPercent
	case "nodeNotReady":
		// A node's own K8sNodeSample stops when the node dies, just as it
		// stops when the node is removed on purpose. The cluster side tells
		// them apart: kube-state-metrics reports every pod the API holds,
		// and the node lifecycle controller marks the pods of a node that is
		// NotReady or unreachable not ready, while a removed node's pods go
		// with its Node object. The VPC CNI's aws-node pod runs on every
		// node, so its readiness is the node's. A draining node stays Ready.
		return "FROM K8sPodSample SELECT latest(isReady) WHERE " + cluster +
			" AND namespaceName = 'kube-system' AND createdKind = 'DaemonSet' AND createdBy = 'aws-node' FACET nodeName, clusterName", "below", 1
	case "nodeAllocatableNearFull":
		return "FROM K8sNodeSample SELECT max(allocatableMemoryUtilization) WHERE " + cluster +
			" FACET nodeName, clusterName", "above", *r.ThresholdPercent
	}
	return strings.TrimSpace(r.NRQL), "above", *r.Threshold
}

func description(r model.NamedRule) string {
	switch r.Kind {
	case "containerRestarts":
		return "Containers restart in the environment's namespace."
	case "podsFailing":
		return "Pods in the environment's namespace end in phase Failed."
	case "podMemoryNearLimit":
		return "A container's working set nears its memory limit; next comes an OOM kill."
	case "nodeNotReady":
		return "A node is NotReady or unreachable: the pods the API holds on it are not ready."
	case "nodeAllocatableNearFull":
		return "A node's allocatable memory is nearly used up."
	}
	return "Custom rule " + r.Name + " of the environment spec."
}
