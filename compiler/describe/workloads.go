package describe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// describeWorkloads says, per workload, what runs, its effective security
// context and the peers its NetworkPolicies admit, as the Kubernetes
// emitter writes them.
func describeWorkloads(env *model.Environment, p *plan.Plan) []WorkloadInfo {
	out := []WorkloadInfo{}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		out = append(out, WorkloadInfo{Name: name, Kind: kindOf(w), Security: security(w),
			From: peersIn(env, p, name, w), To: peersOut(env, name, w)})
	}
	return out
}

func kindOf(w *model.Workload) string {
	switch {
	case w.Kind == "CronJob":
		s := "CronJob " + w.Schedule
		if w.TimeZone != nil {
			s += " " + *w.TimeZone
		}
		return s
	case w.Kind == "Job":
		return "Job (a change recreates it and runs it again)"
	case w.Stateful:
		return "StatefulSet in " + w.Zone
	case w.Port == 0:
		return "Deployment, a worker (no Service)"
	}
	return fmt.Sprintf("Deployment, port %d", w.Port)
}

// security is the effective security context: what the emitter sets by
// default, and what the spec changes.
func security(w *model.Workload) []string {
	nonRoot := !w.Stateful
	escalation, readOnly := false, false
	if s := w.Security; s != nil {
		if s.RunAsNonRoot != nil {
			nonRoot = *s.RunAsNonRoot
		}
		if s.AllowPrivilegeEscalation != nil {
			escalation = *s.AllowPrivilegeEscalation
		}
		readOnly = s.ReadOnlyRootFilesystem
		if s.RunAsUser != nil {
			nonRoot = nonRoot || *s.RunAsUser != 0
		}
	}
	out := []string{"drops all capabilities"}
	if len(w.Capabilities) > 0 {
		out[0] += ", adds " + strings.Join(w.Capabilities, ",")
	}
	out = append(out, map[bool]string{true: "non-root", false: "may run as root"}[nonRoot])
	if escalation {
		out = append(out, "privilege escalation allowed")
	}
	if readOnly {
		out = append(out, "read-only root filesystem")
	}
	if w.KubernetesAPI {
		out = append(out, "API token mounted")
	} else {
		out = append(out, "no API token")
	}
	return out
}

// peersIn are who may connect, and on which port.
func peersIn(env *model.Environment, p *plan.Plan, name string, w *model.Workload) []string {
	var out []string
	if len(w.AllHosts()) > 0 && p.Runs(plan.Nginx) {
		out = append(out, fmt.Sprintf("nginx :%d", w.Port))
	}
	for _, peer := range w.AllowFrom {
		out = append(out, fmt.Sprintf("%s :%d", peer, w.Port))
	}
	if w.Metrics != nil && p.Runs(plan.KubePrometheusStack) {
		out = append(out, fmt.Sprintf("prometheus :%d", w.Metrics.Port))
	}
	if out == nil {
		out = []string{"nobody"}
	}
	return out
}

// peersOut are where it may connect, beyond DNS.
func peersOut(env *model.Environment, name string, w *model.Workload) []string {
	var out []string
	for _, server := range model.SortedKeys(env.Workloads) {
		if slices.Contains(env.Workloads[server].AllowFrom, name) {
			out = append(out, fmt.Sprintf("%s :%d", server, env.Workloads[server].Port))
		}
	}
	if w.AWS != nil {
		out = append(out, "AWS :443")
	}
	for _, e := range w.Egress {
		if e == "internet" {
			e = "the internet (not the VPC, Services or link-local)"
		}
		out = append(out, e)
	}
	return append([]string{"DNS"}, out...)
}
