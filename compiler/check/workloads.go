package check

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/text"
)

func checkWorkloads(env *model.Environment, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		switch {
		case w.Stateful && w.Zone == "":
			ds.Errorf(env.Positions.Of("workloads", name, "stateful"), "add zone: one of "+strings.Join(env.Network.Zones, ", "),
				"stateful workload %s names no zone; its EBS volumes are zonal, so it must be pinned to one", name)
		case w.Zone != "" && !w.Stateful:
			ds.Errorf(env.Positions.Of("workloads", name, "zone"), "remove zone, or set stateful: true",
				"zone pins only stateful workloads; %s is stateless", name)
		case w.Zone != "" && !slices.Contains(env.Network.Zones, w.Zone):
			ds.Errorf(env.Positions.Of("workloads", name, "zone"), "use one of "+strings.Join(env.Network.Zones, ", "),
				"workload %s is pinned to zone %q, which is not in network.zones", name, w.Zone)
		}
		if w.Volume != nil && !w.Stateful {
			ds.Errorf(env.Positions.Of("workloads", name, "volume"), "set stateful: true",
				"workload %s has a volume but is not stateful", name)
		}
		checkProbes(env, name, w, ds)
		keys := map[string]string{}
		for _, p := range model.SortedKeys(w.Files) {
			k := model.FileKey(p)
			if other, ok := keys[k]; ok {
				ds.Errorf(env.Positions.Of("workloads", name, "files", p), "rename one of them",
					"files %s and %s would share the ConfigMap key %s", other, p, k)
			}
			keys[k] = p
		}
		for i, peer := range w.AllowFrom {
			if _, ok := env.Workloads[peer]; !ok || peer == name {
				ds.Errorf(env.Positions.Of("workloads", name, "allowFrom", strconv.Itoa(i)), text.Suggest(peer, model.SortedKeys(env.Workloads)),
					"allowFrom names %q, which is not another workload of the environment", peer)
			}
		}
		for _, key := range model.SortedKeys(w.Env) {
			if v, literal := w.Env[key].(string); literal && v != "" && secretName.MatchString(key) {
				ds.Errorf(env.Positions.Of("workloads", name, "env", key), `write `+key+`: {ssmParameter: "/path"}; the cluster reads it into a Secret`,
					"%s holds a literal value, and a variable named like this holds a secret", key)
			}
		}
	}
}

// checkProbes: a probe checks the port the workload exposes, and a stop
// leaves time after the drain delay.
func checkProbes(env *model.Environment, name string, w *model.Workload, ds *diag.Diagnostics) {
	for _, p := range []struct {
		field []string
		probe *model.Probe
	}{
		{[]string{"probe"}, w.Probe}, {[]string{"probes", "readiness"}, w.Probes.Readiness},
		{[]string{"probes", "liveness"}, w.Probes.Liveness}, {[]string{"probes", "startup"}, w.Probes.Startup},
	} {
		if p.probe == nil {
			continue
		}
		if port := p.probe.PortOr(w.Port); port != 0 && port != w.Port {
			ds.Errorf(env.Positions.Of(append([]string{"workloads", name}, p.field...)...), fmt.Sprintf("probe port %d, or leave it out", w.Port),
				"the probe checks port %d, and workload %s exposes only port %d", port, name, w.Port)
		}
	}
	if s := w.PreStopSeconds; s != nil && *s >= w.TerminationGracePeriodSeconds {
		ds.Errorf(env.Positions.Of("workloads", name, "preStopSeconds"), "make terminationGracePeriodSeconds longer than preStopSeconds",
			"workload %s waits %ds before stopping but may take only %ds in all", name, *s, w.TerminationGracePeriodSeconds)
	}
}

// secretName matches env variable names that hold credentials.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)`)
