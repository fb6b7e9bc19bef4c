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
// Facets that vanish (replaced pods, removed nodes) close their issues; a
// node that stops reporting, or a whole cluster, opens one.
func TestAlertsSeeLossOfSignal(t *testing.T) {
	for _, env := range []string{"qa", "prod"} {
		cs := conditions(t, env)
		lost, ok := cs["signal_lost"]
		if !ok || lost.Name != plan.SignalLostName(env) || !lost.OpenOnExpiration || lost.Expiration == 0 {
			t.Errorf("%s: no condition opens when the cluster stops reporting: %+v", env, lost)
		}
		for key, c := range cs {
			if c.Expiration == 0 {
				t.Errorf("%s %s: no expiration_duration, so a silent signal goes unnoticed", env, key)
			}
			if key != "signal_lost" && !c.CloseOnExpiration {
				t.Errorf("%s %s: an issue whose facet vanishes never closes", env, key)
			}
		}
	}
	node := conditions(t, "prod")["nodeNotReady"]
	q := node.NRQL["query"].(string)
	if !strings.Contains(q, "latest(`condition.Ready`)") || !strings.Contains(q, "FACET nodeName") ||
		node.Critical["operator"] != "below" || node.Critical["threshold"] != float64(1) || !node.OpenOnExpiration || !node.IgnoreOnTermination {
		t.Errorf("nodeNotReady must fire per node below Ready=1 (False 0, Unknown -1) and on loss of signal: %+v", node)
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
