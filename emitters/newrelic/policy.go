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
	}
	return m
}

func conditionKey(r model.NamedRule) string {
	if r.Kind == "custom" {
		return "custom_" + plan.Key(r.Name)
	}
	return plan.Key(r.Name)
}

// ConditionName is what New Relic shows for a rule.
func ConditionName(env string, r model.NamedRule) string { return env + ": " + r.Name }

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
		"name":                         ConditionName(e.env.Name, r),
		"description":                  description(r),
		"enabled":                      true,
		"nrql":                         obj{"query": query},
		"aggregation_window":           model.Seconds(r.AggregationWindow),
		"aggregation_method":           "event_flow",
		"aggregation_delay":            "120",
		"violation_time_limit_seconds": 86400,
		r.Severity:                     term,
	}
	return c
}

// signal is each rule kind's NRQL, scoped to the environment's cluster (the
// same name as the EKS cluster) and, for workload rules, its namespace.
func (e emitter) signal(r model.NamedRule) (query, operator string, threshold float64) {
	cluster := fmt.Sprintf("clusterName = '%s'", e.plan.ClusterName)
	workloads := fmt.Sprintf("%s AND namespaceName = '%s'", cluster, e.env.Name)
	switch r.Kind {
	case "containerRestarts":
		return "FROM K8sContainerSample SELECT sum(restartCountDelta) WHERE " + workloads +
			" FACET containerName, podName, namespaceName, clusterName", "above", *r.Threshold
	case "podsFailing":
		return "FROM K8sPodSample SELECT uniqueCount(podName) WHERE " + workloads +
			" AND status = 'Failed' FACET namespaceName, clusterName", "above", *r.Threshold
	case "podMemoryNearLimit":
		return "FROM K8sContainerSample SELECT average(memoryWorkingSetUtilization) WHERE " + workloads +
			" FACET containerName, podName, namespaceName, clusterName", "above", *r.ThresholdPercent
	case "nodeNotReady":
		return "FROM K8sNodeSample SELECT uniqueCount(nodeName) WHERE " + cluster +
			" AND `condition.Ready` = 0 FACET clusterName", "above", *r.Threshold
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
		return "Nodes report NotReady."
	case "nodeAllocatableNearFull":
		return "A node's allocatable memory is nearly used up."
	}
	return "Custom rule " + r.Name + " of the environment spec."
}
