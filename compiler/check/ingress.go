package check

import (
	"fmt"
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
		checkCertificate(env, ds)
		checkHealthPath(env, p, ds)
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

// checkCertificate: the ALB can only use an ACM certificate of its own
// region and account; another one fails the listener at apply, after the
// load balancer exists.
func checkCertificate(env *model.Environment, ds *diag.Diagnostics) {
	arn := strings.Split(env.Ingress.CertificateARN, ":")
	if len(arn) < 6 {
		return // the schema has rejected it
	}
	region, account := arn[3], arn[4]
	pos := env.Positions.Of("ingress", "certificateARN")
	if region != env.AWS.Region {
		ds.Errorf(pos, "request or import the certificate in ACM in "+env.AWS.Region+" and use its ARN",
			"the certificate is in %s, but the ALB is in %s: an ALB can only use a certificate of its own region", region, env.AWS.Region)
	}
	if account != env.AWS.AccountID {
		ds.Errorf(pos, "use a certificate of account "+env.AWS.AccountID,
			"the certificate belongs to account %s, but the environment is in account %s", account, env.AWS.AccountID)
	}
}

// checkHealthPath: the ALB health-checks the ingress controller's
// NodePort on the traffic port, not a workload, with no host a server
// block matches; only the controller's own health endpoint answers there,
// any other path gets its default server's 404 and every target is
// unhealthy.
func checkHealthPath(env *model.Environment, p *plan.Plan, ds *diag.Diagnostics) {
	nginx, ok := p.Addons[plan.Nginx]
	if !ok || nginx.Catalog == nil || env.Ingress.HealthCheck.Path == "" {
		return
	}
	if want := nginx.Catalog.HealthPath; env.Ingress.HealthCheck.Path != want {
		ds.Errorf(env.Positions.Of("ingress", "healthCheck", "path"),
			fmt.Sprintf("leave path out, or set it to %q, the controller's health endpoint", want),
			"the ALB checks the %s controller on its traffic port, not a workload, and there %s answers only %s: every target would be unhealthy",
			nginx.Name, env.Ingress.HealthCheck.Path, want)
	}
}
