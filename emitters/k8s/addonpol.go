package k8s

import (
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// addonPolicies close each add-on's namespace to all but what reaches it
// on purpose, one NetworkPolicy per namespace beside its HelmRelease:
//   - its own pods (a controller and its webhook, Grafana and Prometheus);
//   - the control plane, which calls webhooks and APIServices from its
//     network interfaces in the control-plane subnets (no pod has an
//     address there, so this lets in no pod);
//   - kube-prometheus-stack's Prometheus, which scrapes every add-on;
//   - what the catalog says the add-on serves: the ingress controller's
//     traffic ports to every source, a UI to the ingress controller (a
//     namespace of its own, or its pods alone in a second policy),
//     Prometheus's API to the add-ons that query it;
//   - the environment's workloads that name the add-on in egress.
//
// Prometheus, Alertmanager, Grafana and Headlamp have no authentication of
// their own: from a workload's namespace they are reachable only by naming
// them. Ingress only: an add-on's egress (AWS APIs, the API server, its
// chart's targets) is its chart's business.
func (e *emitter) addonPolicies() {
	if !e.env.Cluster.AddonNetworkPolicies {
		return // held back while the cluster moves onto its subnets
	}
	kps, ingress := e.catalogOf(plan.KubePrometheusStack), e.catalogOf(plan.Nginx)
	for _, name := range model.SortedKeys(e.plan.Addons) {
		c := e.plan.Addons[name].Catalog
		if c == nil {
			continue // flux-system: flux bootstrap brings its own policies
		}
		rules := []obj{
			{"from": []obj{{"podSelector": obj{}}}},
			{"from": e.controlPlane()},
		}
		if kps != nil && c != kps {
			rules = append(rules, obj{"from": []obj{{
				"namespaceSelector": byName(kps.Namespace),
				"podSelector":       obj{"matchLabels": kps.ScraperPods},
			}}})
		}
		if len(c.OpenPorts) > 0 {
			rules = append(rules, obj{"ports": tcpPorts(c.OpenPorts...)})
		}
		if c.ThroughIngress && ingress != nil {
			rules = append(rules, obj{"from": []obj{{"namespaceSelector": byName(ingress.Namespace)}}})
		}
		if c == kps {
			if from := e.prometheusReaders(); len(from) > 0 {
				rules = append(rules, obj{"from": from, "ports": tcpPorts(kps.QueryPort)})
			}
		}
		if from := e.workloadsReaching(c.Namespace); len(from) > 0 {
			rules = append(rules, obj{"from": from})
		}
		e.addonPolicy(c, "ingress", obj{}, rules)
		if c.UIPods != nil && ingress != nil {
			// Policies add up: this one opens the UI's port, on its pods
			// alone, to the ingress controller.
			e.addonPolicy(c, "ui-ingress", obj{"matchLabels": c.UIPods.Labels}, []obj{{
				"from":  []obj{{"namespaceSelector": byName(ingress.Namespace)}},
				"ports": tcpPorts(c.UIPods.Port),
			}})
		}
	}
}

func (e *emitter) addonPolicy(c *model.CatalogAddon, name string, pods obj, rules []obj) {
	e.add(c.Layer, fileName("NetworkPolicy", c.Namespace+"-"+name), obj{
		"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": meta(name, c.Namespace),
		"spec":     obj{"podSelector": pods, "policyTypes": []string{"Ingress"}, "ingress": rules},
	})
}

// catalogOf is a running add-on's catalog entry, nil when it is off or
// installed by flux bootstrap.
func (e *emitter) catalogOf(name string) *model.CatalogAddon {
	if a, ok := e.plan.Addons[name]; ok {
		return a.Catalog
	}
	return nil
}

// controlPlane selects the control plane's network interfaces: the
// control-plane subnets of every zone.
func (e *emitter) controlPlane() []obj {
	var from []obj
	for _, z := range e.plan.Zones {
		from = append(from, obj{"ipBlock": obj{"cidr": z.ControlPlaneCIDR}})
	}
	return from
}

// prometheusReaders are the namespaces of the running add-ons that query
// Prometheus, in add-on order.
func (e *emitter) prometheusReaders() []obj {
	var from []obj
	for _, name := range model.SortedKeys(e.plan.Addons) {
		if c := e.plan.Addons[name].Catalog; c != nil && c.QueriesPrometheus {
			from = append(from, obj{"namespaceSelector": byName(c.Namespace)})
		}
	}
	return from
}

// workloadsReaching are the environment's workloads whose egress names a
// peer in the namespace (the add-on, or namespace/name), in name order.
func (e *emitter) workloadsReaching(namespace string) []obj {
	var from []obj
	for _, name := range model.SortedKeys(e.env.Workloads) {
		for _, dest := range e.env.Workloads[name].Egress {
			if peer, ok := e.plan.ResolvePeer(e.env, dest); ok && peer.Namespace == namespace {
				from = append(from, obj{"namespaceSelector": byName(e.env.Name), "podSelector": obj{"matchLabels": selector(name)}})
				break
			}
		}
	}
	return from
}

func tcpPorts(ports ...int) []obj {
	out := make([]obj, len(ports))
	for i, p := range ports {
		out[i] = obj{"protocol": "TCP", "port": p}
	}
	return out
}
