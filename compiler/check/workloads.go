package check

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/text"
)

// checkMetrics: a metrics endpoint needs a Prometheus to scrape it. New
// Relic's bundle does not: its Prometheus agent is off in nri-bundle 8.0.18
// and, on, scrapes only annotated pods of a list of known integrations.
func checkMetrics(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		if w := env.Workloads[name]; w.Metrics != nil && !w.Batch() && !p.Runs(plan.KubePrometheusStack) {
			ds.Errorf(env.Positions.Of("workloads", name, "metrics"), `add "kube-prometheus-stack": {} to addons, or remove metrics`,
				"workload %s has metrics, and no add-on scrapes them: kube-prometheus-stack is not enabled", name)
		}
	}
}

// checkPeer: an allowFrom or egress entry names another workload, a
// running add-on, or namespace/name in a namespace the cluster has.
func checkPeer(env *model.Environment, p *plan.Plan, name, field string, i int, peer string, ds *diag.Diagnostics) {
	pos := env.Positions.Of("workloads", name, field, strconv.Itoa(i))
	if ns, _, found := strings.Cut(peer, "/"); found {
		if !p.KnownNamespace(env, ns) {
			known := append([]string{env.Name, "kube-system"}, p.Namespaces()...)
			ds.Errorf(pos, text.Suggest(ns, known), "%s names namespace %q, which is not one of the cluster's: %s", field, ns, strings.Join(known, ", "))
		}
		return
	}
	if _, ok := p.ResolvePeer(env, peer); !ok || peer == name {
		candidates := append(model.SortedKeys(env.Workloads), model.SortedKeys(p.Addons)...)
		ds.Errorf(pos, text.Suggest(peer, candidates),
			"%s names %q, which is neither another workload of the environment nor a running add-on", field, peer)
	}
}

func checkWorkloads(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		if name == "kustomization" {
			// Its objects' file, <name>.yaml, would be its directory's
			// kustomization.yaml.
			ds.Errorf(env.Positions.Of("workloads", name), "rename the workload",
				"a workload may not be named kustomization: its directory's kustomization.yaml would hold its objects")
		}
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
		checkSecurity(env, name, w, ds)
		checkKinds(env, name, w, ds)
		checkReplicas(env, name, w, ds)
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
			checkPeer(env, p, name, "allowFrom", i, peer, ds)
		}
		for i, peer := range w.Egress {
			if peer != "internet" && !strings.Contains(peer, ".") {
				checkPeer(env, p, name, "egress", i, peer, ds)
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
		pos := env.Positions.Of(append([]string{"workloads", name}, p.field...)...)
		if w.Batch() {
			ds.Errorf(pos, "remove it: a "+w.Kind+"'s pods run to completion", "a %s is not probed: workload %s runs to completion", w.Kind, name)
			continue
		}
		if w.Port == 0 {
			if p.probe.Exec == nil && p.probe.PortOr(0) == 0 {
				ds.Errorf(pos, "give the probe a port, or check with exec", "workload %s has no port (a worker), so the probe checks none", name)
			}
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

// checkAWSPath: a workload with AWS permissions must be able to reach the
// services it calls. With network.awsAPI "endpoints" its only way is an
// interface endpoint of each (the NetworkPolicy opens nothing else); S3's
// gateway endpoint routes to public addresses, which that leaves shut.
func checkAWSPath(env *model.Environment, ds *diag.Diagnostics) {
	if env.Network.AWSAPI != "endpoints" {
		return
	}
	if len(plan.InterfaceEndpoints(env)) == 0 {
		ds.Errorf(env.Positions.Of("network", "awsAPI"), `list the services in network.endpoints, or set awsAPI: "public"`,
			`network.awsAPI is "endpoints", and network.endpoints lists no interface endpoint: no workload could reach AWS`)
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		if w.AWS == nil {
			continue
		}
		pos := env.Positions.Of("workloads", name, "aws")
		if len(w.AWS.ManagedPolicies) > 0 {
			ds.Errorf(env.Positions.Of("workloads", name, "aws", "managedPolicies"),
				`write the actions in aws.statements, so the services they call are known, or set network.awsAPI: "public"`,
				"workload %s has managed policies, whose services kuberatorc cannot see, and reaches AWS only through endpoints", name)
		}
		for _, service := range plan.AWSServices(w) {
			if plan.EndpointCovers(env, service) {
				continue
			}
			hint := fmt.Sprintf(`add %q to network.endpoints, or set network.awsAPI: "public"`, service)
			if service == "s3" {
				hint = `S3's gateway endpoint leads to S3's public addresses, which "endpoints" leaves shut: set network.awsAPI: "public"`
			}
			ds.Errorf(pos, hint, "workload %s calls %s, and reaches AWS only through the VPC's interface endpoints, which have none for it: it could never reach it", name, service)
		}
	}
}
