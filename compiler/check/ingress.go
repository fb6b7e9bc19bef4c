package check

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

func checkHosts(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	var external []string
	if env.Ingress != nil {
		for _, need := range []string{plan.Nginx, plan.LoadBalancerController} {
			if !p.Runs(need) {
				ds.Errorf(env.Positions.Of("ingress"), `add `+need+`: {} to addons`,
					"the ingress's ALB forwards to nginx through the AWS Load Balancer Controller, and add-on %s is not enabled", need)
			}
		}
		external = env.Ingress.ExternalHosts
		for i, c := range env.Ingress.InboundCIDRs {
			if netip.MustParsePrefix(c).Bits() == 0 && !env.Ingress.AllowFromAnywhere {
				ds.Warnf(diag.ALBOpenToAnywhere, env.Positions.Of("ingress", "inboundCIDRs", strconv.Itoa(i)), "list the networks that should reach the ALB, or set ingress.allowFromAnywhere: true for a public site",
					"the ALB accepts traffic from the whole internet (%s)", c)
			}
		}
		for i, h := range env.Ingress.Hosts {
			checkHost(env, h, external, env.Positions.Of("ingress", "hosts", strconv.Itoa(i)), ds)
		}
	}
	// Where each host and path is served, to find two workloads claiming one.
	served := map[string]string{}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		for _, h := range w.AllHosts() {
			pos := env.Positions.Of("workloads", name, "host")
			if h != w.Host {
				pos = env.Positions.Of("workloads", name, "hosts", strconv.Itoa(slices.Index(w.Hosts, h)))
			}
			checkHost(env, h, external, pos, ds)
			if env.Ingress == nil {
				ds.Errorf(pos, "add an ingress section: the public ALB that forwards to nginx",
					"workload %s has a host, but the environment has no ingress to serve it", name)
			}
			for _, p := range w.Paths {
				if other, ok := served[h+p]; ok {
					ds.Errorf(pos, "give one of them another host or path",
						"workload %s serves %s%s, which workload %s serves already", name, h, p, other)
					continue
				}
				served[h+p] = name
			}
		}
	}
}

func checkHost(env *model.Environment, host string, external []string, pos model.Pos, ds *diag.Diagnostics) {
	if host == env.Domain || strings.HasSuffix(host, "."+env.Domain) || slices.Contains(external, host) {
		return
	}
	ds.Errorf(pos, "use a name under "+env.Domain+", or list it in ingress.externalHosts",
		"host %q is outside the environment's domain %s", host, env.Domain)
}
