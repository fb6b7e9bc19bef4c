package plan

import (
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

// A Peer is what an allowFrom or egress entry names: a workload of the
// environment, an add-on (every pod of its namespace), or namespace/name
// (the pods labelled app.kubernetes.io/name: name in that namespace).
type Peer struct {
	Workload  string
	Namespace string
	// Name is the pods' app.kubernetes.io/name in Namespace; "" for the
	// whole namespace.
	Name string
}

// ResolvePeer resolves an allowFrom or egress entry; ok is false for a
// name that is none of those (vet reports it).
func (p *Plan) ResolvePeer(env *model.Environment, entry string) (Peer, bool) {
	if ns, name, found := strings.Cut(entry, "/"); found {
		if !p.KnownNamespace(env, ns) {
			return Peer{}, false
		}
		return Peer{Namespace: ns, Name: name}, true
	}
	if _, ok := env.Workloads[entry]; ok {
		return Peer{Workload: entry}, true
	}
	if a, ok := p.Addons[entry]; ok && a.Catalog != nil {
		return Peer{Namespace: a.Catalog.Namespace}, true
	}
	return Peer{}, false
}

// KnownNamespace says whether kuberatorc knows a namespace of the cluster:
// the environment's, kube-system, or a running add-on's.
func (p *Plan) KnownNamespace(env *model.Environment, ns string) bool {
	return ns == env.Name || ns == "kube-system" || slices.Contains(p.Namespaces(), ns)
}

// Namespaces are the running add-ons' namespaces, in add-on order.
func (p *Plan) Namespaces() []string {
	var out []string
	for _, name := range model.SortedKeys(p.Addons) {
		if c := p.Addons[name].Catalog; c != nil && !slices.Contains(out, c.Namespace) {
			out = append(out, c.Namespace)
		}
	}
	return out
}
