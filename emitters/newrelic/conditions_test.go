package newrelic_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

type condition struct {
	Name                string         `json:"name"`
	NRQL                map[string]any `json:"nrql"`
	Expiration          int            `json:"expiration_duration"`
	OpenOnExpiration    bool           `json:"open_violation_on_expiration"`
	CloseOnExpiration   bool           `json:"close_violations_on_expiration"`
	IgnoreOnTermination bool           `json:"ignore_on_expected_termination"`
	Critical            map[string]any `json:"critical"`
}

func conditions(t *testing.T, env string) map[string]condition {
	t.Helper()
	res := testutil.CompileExample(t, env)
	var module struct {
		Resource struct {
			Conditions map[string]condition `json:"newrelic_nrql_alert_condition"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(res.Files["newrelic/"+env+"/policy.tf.json"], &module); err != nil {
		t.Fatal(err)
	}
	return module.Resource.Conditions
}

// TestAlertsSeeLossOfSignal: every condition knows when its signal stops.
// Facets that vanish (replaced pods, removed nodes) close their issues and
// open none: a node removed on purpose goes silent just like a dead one.
// Only the whole cluster going silent opens one.
func TestAlertsSeeLossOfSignal(t *testing.T) {
	for _, env := range []string{"qa", "prod"} {
		cs := conditions(t, env)
		lost, ok := cs["signal_lost"]
		if !ok || lost.Name != plan.SignalLostName(env) || !lost.OpenOnExpiration || lost.Expiration == 0 ||
			!strings.Contains(lost.NRQL["query"].(string), "FACET clusterName") {
			t.Errorf("%s: no condition opens when the cluster stops reporting: %+v", env, lost)
		}
		for key, c := range cs {
			if c.Expiration == 0 {
				t.Errorf("%s %s: no expiration_duration, so a silent signal goes unnoticed", env, key)
			}
			if key != "signal_lost" && (!c.CloseOnExpiration || c.OpenOnExpiration) {
				t.Errorf("%s %s: a facet that vanishes (a removed node, a replaced pod) must close its issue and open none", env, key)
			}
		}
	}
}

// TestNodeNotReadyFromTheAPI: a dead node sends no K8sNodeSample, like a
// removed one, so nodeNotReady reads the API's view through kube-state-
// metrics: the readiness of each node's aws-node pod, per node.
func TestNodeNotReadyFromTheAPI(t *testing.T) {
	node := conditions(t, "prod")["nodeNotReady"]
	q := node.NRQL["query"].(string)
	for _, want := range []string{"FROM K8sPodSample", "latest(isReady)", "createdBy = 'aws-node'", "FACET nodeName"} {
		if !strings.Contains(q, want) {
			t.Errorf("nodeNotReady query lacks %q: %s", want, q)
		}
	}
	if node.Critical["operator"] != "below" || node.Critical["threshold"] != float64(1) {
		t.Errorf("nodeNotReady must fire below ready=1: %+v", node.Critical)
	}
}

// TestMemoryFromAttributesTheIntegrationSends: nri-kubernetes sends the
// working set and the limit, no working-set share (stdlib/testdata/
// newrelic-facts.md, section e).
func TestMemoryFromAttributesTheIntegrationSends(t *testing.T) {
	q := conditions(t, "qa")["podMemoryNearLimit"].NRQL["query"].(string)
	if strings.Contains(q, "memoryWorkingSetUtilization") || !strings.Contains(q, "average(memoryWorkingSetBytes) / average(memoryLimitBytes) * 100") ||
		!strings.Contains(q, "memoryLimitBytes > 0") {
		t.Errorf("podMemoryNearLimit does not divide the working set by the limit: %s", q)
	}
}

// TestCrashLoopIsSeen: a steady CrashLoopBackOff restarts once per back-off,
// which the restart count over a short window misses; the waiting reason
// catches it.
func TestCrashLoopIsSeen(t *testing.T) {
	c, ok := conditions(t, "qa")["containerRestarts_crashloop"]
	if !ok || !strings.Contains(c.NRQL["query"].(string), "reason = 'CrashLoopBackOff'") {
		t.Fatalf("no CrashLoopBackOff condition: %+v", c)
	}
}
