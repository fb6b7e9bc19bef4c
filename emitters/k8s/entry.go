package k8s

import (
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/plan"
)

// EntryName is the Ingress through which all public traffic enters.
const EntryName = "alb-to-nginx"

// SSLPolicy is the ALB's TLS policy: TLS 1.3 and 1.2, nothing older.
const SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// entry writes the one internet-facing ALB, an Ingress of class alb served
// by the AWS Load Balancer Controller, that forwards everything to the nginx
// controller's NodePort Service. The ALB finds its subnets by the
// kubernetes.io/role/elb tag the Terraform emitter puts on public subnets.
func (e *emitter) entry() {
	in := e.env.Ingress
	nginx, ok := e.plan.Addons[plan.Nginx]
	if in == nil || !ok || nginx.Catalog == nil {
		return
	}
	c := nginx.Catalog
	health := in.HealthCheck.Path
	if health == "" {
		health = c.HealthPath
	}
	annotations := map[string]string{
		"alb.ingress.kubernetes.io/scheme": "internet-facing",
		// TLS 1.2 and 1.3 only; the controller's default policy allows 1.0.
		"alb.ingress.kubernetes.io/ssl-policy": SSLPolicy,
		// A node the termination handler labels out of the target group
		// finishes its requests in flight within this, well inside the
		// drain (AWS's default of 300 s would outlast it).
		"alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=" + strconv.Itoa(plan.DeregistrationDelaySeconds),
		"alb.ingress.kubernetes.io/target-type":             "instance",
		"alb.ingress.kubernetes.io/listen-ports":            `[{"HTTP": 80}, {"HTTPS": 443}]`,
		"alb.ingress.kubernetes.io/certificate-arn":         in.CertificateARN,
		"alb.ingress.kubernetes.io/inbound-cidrs":           strings.Join(in.InboundCIDRs, ","),
		"alb.ingress.kubernetes.io/healthcheck-path":        health,
		"alb.ingress.kubernetes.io/success-codes":           in.HealthCheck.SuccessCodes,
		"alb.ingress.kubernetes.io/tags":                    "Environment=" + e.env.Name + ",ManagedBy=kuberatorc",
		"external-dns.alpha.kubernetes.io/hostname":         strings.Join(plan.PublicHosts(e.env), ","),
	}
	if in.SSLRedirect {
		annotations["alb.ingress.kubernetes.io/ssl-redirect"] = "443"
	}
	ingress := obj{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": obj{"name": EntryName, "namespace": c.Namespace, "annotations": annotations},
		"spec": obj{
			"ingressClassName": "alb",
			"rules": []obj{{"http": obj{"paths": []obj{{
				"path": "/", "pathType": "Prefix",
				"backend": obj{"service": obj{"name": c.Service, "port": obj{"number": 80}}},
			}}}}},
		},
	}
	// Configs: the load balancer controller's webhook validates it.
	e.add(layout.Configs, fileName("Ingress", EntryName), ingress)
}
