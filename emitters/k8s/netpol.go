package k8s

import (
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// The Pod Identity agent's link-local address and port: a workload with
// AWS permissions fetches its credentials there.
const (
	podIdentityAgent     = "169.254.170.23/32"
	podIdentityAgentPort = 80
)

// networkPolicies isolate the environment's namespace: nothing in or out by
// default, then DNS for every pod, the ingress controller to workloads with
// a host, each workload's declared peers (both directions: egress from the
// client, ingress to the server), and declared egress. They are enforced by
// the VPC CNI's network policy agent, which the Terraform turns on.
func (e *emitter) networkPolicies() {
	if len(e.env.Workloads) == 0 {
		return
	}
	all := obj{}
	// The namespace's own policies belong to the apps layer, which every
	// workload's Kustomization waits for; each workload's go with it.
	layer := func(o obj) { e.add(layout.Apps, fileName("NetworkPolicy", nameOf(o)), o) }
	e.policy(layer, "default-deny", obj{"podSelector": all, "policyTypes": []string{"Ingress", "Egress"}})
	e.policy(layer, "allow-dns", obj{
		"podSelector": all, "policyTypes": []string{"Egress"},
		"egress": []obj{{
			"to":    []obj{{"namespaceSelector": byName("kube-system"), "podSelector": obj{"matchLabels": map[string]string{"k8s-app": "kube-dns"}}}},
			"ports": []obj{{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}},
		}},
	})
	// The workloads each one may reach, in name order: those whose allowFrom
	// names it (one pass, not one per workload).
	servers := map[string][]string{}
	names := model.SortedKeys(e.env.Workloads)
	for _, server := range names {
		for _, client := range e.env.Workloads[server].AllowFrom {
			servers[client] = append(servers[client], server)
		}
	}
	for _, name := range names {
		w := e.env.Workloads[name]
		app := func(o obj) { e.addApp(name, o) }
		if rule := e.ingressRule(name, w); rule != nil {
			e.policy(app, name+"-ingress", obj{
				"podSelector": obj{"matchLabels": selector(name)}, "policyTypes": []string{"Ingress"},
				"ingress": rule,
			})
		}
		if rule := e.egressRule(name, w, servers[name]); rule != nil {
			e.policy(app, name+"-egress", obj{
				"podSelector": obj{"matchLabels": selector(name)}, "policyTypes": []string{"Egress"},
				"egress": rule,
			})
		}
	}
}

func (e *emitter) policy(add func(obj), name string, spec obj) {
	add(obj{
		"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": meta(name, e.env.Name), "spec": spec,
	})
}

// ingressRule lets in the ingress controller (for a workload with a host)
// and the workloads named in allowFrom, on the workload's port.
func (e *emitter) ingressRule(name string, w *model.Workload) []obj {
	var from []obj
	if nginx := e.catalogOf(plan.Nginx); nginx != nil && len(w.AllHosts()) > 0 {
		from = append(from, obj{"namespaceSelector": byName(nginx.Namespace)})
	}
	for _, peer := range w.AllowFrom {
		if sel := e.peerSelector(peer); sel != nil {
			from = append(from, sel)
		}
	}
	var rules []obj
	if from != nil {
		rules = append(rules, obj{"from": from, "ports": []obj{{"protocol": "TCP", "port": w.Port}}})
	}
	if kps := e.catalogOf(plan.KubePrometheusStack); kps != nil && w.Metrics != nil {
		// Prometheus scrapes from its own namespace, and nothing else there
		// reaches the port.
		rules = append(rules, obj{
			"from":  []obj{{"namespaceSelector": byName(kps.Namespace), "podSelector": obj{"matchLabels": kps.ScraperPods}}},
			"ports": []obj{{"protocol": "TCP", "port": w.Metrics.Port}},
		})
	}
	return rules
}

// egressRule lets a workload reach the workloads that allow it, the Pod
// Identity agent when it has AWS permissions, and what it declares.
func (e *emitter) egressRule(name string, w *model.Workload, servers []string) []obj {
	var rules []obj
	for _, server := range servers {
		rules = append(rules, obj{
			"to":    []obj{{"podSelector": obj{"matchLabels": selector(server)}}},
			"ports": []obj{{"protocol": "TCP", "port": e.env.Workloads[server].Port}},
		})
	}
	if w.AWS != nil {
		rules = append(rules, e.awsRules(w)...)
	}
	for _, dest := range w.Egress {
		if dest != "internet" && !strings.Contains(dest, ".") {
			if sel := e.peerSelector(dest); sel != nil {
				rules = append(rules, obj{"to": []obj{sel}})
			}
			continue
		}
		block := obj{"cidr": dest}
		if dest == "internet" {
			// The internet, not the cluster: the VPC policy agent applies
			// ipBlock to pod IPs too, so 0.0.0.0/0 alone would open every pod
			// and node of the VPC, the services, and the metadata service.
			block = obj{"cidr": "0.0.0.0/0", "except": []string{e.env.Network.VPCCIDR, e.env.Cluster.ServiceCIDR, linkLocal}}
		}
		rules = append(rules, obj{"to": []obj{{"ipBlock": block}}})
	}
	return rules
}

// awsRules are a workload's paths to AWS: the Pod Identity agent for its
// credentials, the VPC's interface endpoints, and (unless every service it
// calls has one, or the spec keeps AWS to the endpoints) TCP 443 to AWS's
// public endpoints through NAT: any address outside the VPC, the service
// range and link-local, so nothing inside the cluster opens up.
func (e *emitter) awsRules(w *model.Workload) []obj {
	https := []obj{{"protocol": "TCP", "port": 443}}
	rules := []obj{{
		"to":    []obj{{"ipBlock": obj{"cidr": podIdentityAgent}}},
		"ports": []obj{{"protocol": "TCP", "port": podIdentityAgentPort}},
	}}
	if len(plan.InterfaceEndpoints(e.env)) > 0 {
		var to []obj
		for _, z := range e.plan.Zones {
			to = append(to, obj{"ipBlock": obj{"cidr": z.EndpointCIDR}})
		}
		rules = append(rules, obj{"to": to, "ports": https})
	}
	if plan.PublicAWS(e.env, w) {
		rules = append(rules, obj{
			"to": []obj{{"ipBlock": obj{"cidr": "0.0.0.0/0",
				"except": []string{e.env.Network.VPCCIDR, e.env.Cluster.ServiceCIDR, linkLocal}}}},
			"ports": https,
		})
	}
	return rules
}

// linkLocal holds the instance metadata service, which no workload needs.
const linkLocal = "169.254.0.0/16"

func byName(namespace string) obj {
	return obj{"matchLabels": map[string]string{"kubernetes.io/metadata.name": namespace}}
}

// peerSelector selects what an allowFrom or egress entry names: a
// workload's pods in the namespace, every pod of an add-on's namespace,
// or namespace/name's pods there.
func (e *emitter) peerSelector(entry string) obj {
	peer, ok := e.plan.ResolvePeer(e.env, entry)
	switch {
	case !ok:
		return nil
	case peer.Workload != "":
		return obj{"podSelector": obj{"matchLabels": selector(peer.Workload)}}
	case peer.Name == "":
		return obj{"namespaceSelector": byName(peer.Namespace)}
	}
	return obj{"namespaceSelector": byName(peer.Namespace), "podSelector": obj{"matchLabels": selector(peer.Name)}}
}
