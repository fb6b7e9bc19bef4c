package k8s_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler/fileset"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// endpoint is one side of a connection: a pod (namespace, labels, its IP)
// or, with no namespace, an address outside the cluster.
type endpoint struct {
	name      string
	namespace string
	labels    map[string]string
	ip        netip.Addr
}

// reaches evaluates NetworkPolicy as networking.k8s.io/v1 defines it, for
// TCP: a pod that some policy with Egress in its policyTypes selects may
// open only connections one of those policies' egress rules allows, and a
// pod that some policy with Ingress selects may accept only what one of
// those policies' ingress rules allows; an unselected pod is open in that
// direction. A rule with no peers matches every peer, one with no ports
// every port. A peer is a podSelector in the policy's namespace, a
// namespaceSelector (with a podSelector, both must match), or an ipBlock
// (its CIDR less its excepts), which the VPC CNI's policy agent matches
// against pod IPs too.
func reaches(policies []networkingv1.NetworkPolicy, nsLabels func(string) map[string]string, from, to endpoint, port int32) bool {
	egressOK, egressIsolated := false, false
	ingressOK, ingressIsolated := false, false
	for _, p := range policies {
		types := p.Spec.PolicyTypes
		if from.namespace == p.Namespace && selects(p.Spec.PodSelector, from.labels) && hasType(types, networkingv1.PolicyTypeEgress) {
			egressIsolated = true
			for _, r := range p.Spec.Egress {
				if portMatches(r.Ports, port) && peersMatch(r.To, p.Namespace, nsLabels, to) {
					egressOK = true
				}
			}
		}
		if to.namespace == p.Namespace && selects(p.Spec.PodSelector, to.labels) && hasType(types, networkingv1.PolicyTypeIngress) {
			ingressIsolated = true
			for _, r := range p.Spec.Ingress {
				if portMatches(r.Ports, port) && peersMatch(r.From, p.Namespace, nsLabels, from) {
					ingressOK = true
				}
			}
		}
	}
	return (!egressIsolated || egressOK) && (to.namespace == "" || !ingressIsolated || ingressOK)
}

func hasType(types []networkingv1.PolicyType, t networkingv1.PolicyType) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

func selects(sel metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(&sel)
	return err == nil && s.Matches(labels.Set(l))
}

func portMatches(ports []networkingv1.NetworkPolicyPort, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Port == nil || p.Port.IntVal == port {
			return true
		}
	}
	return false
}

func peersMatch(peers []networkingv1.NetworkPolicyPeer, policyNS string, nsLabels func(string) map[string]string, e endpoint) bool {
	if len(peers) == 0 {
		return true
	}
	for _, peer := range peers {
		switch {
		case peer.IPBlock != nil:
			if inBlock(peer.IPBlock, e.ip) {
				return true
			}
		case e.namespace == "":
			// Selectors match pods only.
		case peer.NamespaceSelector != nil:
			if selects(*peer.NamespaceSelector, nsLabels(e.namespace)) && (peer.PodSelector == nil || selects(*peer.PodSelector, e.labels)) {
				return true
			}
		case peer.PodSelector != nil:
			if e.namespace == policyNS && selects(*peer.PodSelector, e.labels) {
				return true
			}
		}
	}
	return false
}

func inBlock(b *networkingv1.IPBlock, ip netip.Addr) bool {
	if !netip.MustParsePrefix(b.CIDR).Contains(ip) {
		return false
	}
	for _, ex := range b.Except {
		if netip.MustParsePrefix(ex).Contains(ip) {
			return false
		}
	}
	return true
}

// networkPolicies decodes every NetworkPolicy an example generates.
func networkPolicies(t *testing.T, name string) []networkingv1.NetworkPolicy {
	t.Helper()
	out := policiesOf(t, testutil.CompileExample(t, name).Files)
	if len(out) < 3 {
		t.Fatalf("%s: only %d NetworkPolicies", name, len(out))
	}
	return out
}

// policiesOf decodes, strictly, every NetworkPolicy of the overlays: the
// layer's own files and the documents of each workload's file.
func policiesOf(t *testing.T, files fileset.FileSet) []networkingv1.NetworkPolicy {
	t.Helper()
	var out []networkingv1.NetworkPolicy
	for _, p := range files.Paths() {
		if !strings.HasPrefix(p, "kubernetes/overlays/") {
			continue
		}
		for _, doc := range bytes.Split(files[p], []byte("\n---\n")) {
			if !bytes.Contains(doc, []byte("\nkind: NetworkPolicy\n")) {
				continue
			}
			var np networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict(doc, &np); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			out = append(out, np)
		}
	}
	return out
}

// TestReachability evaluates the NetworkPolicies of qa and prod as a
// truth table: who may open a TCP connection to whom, on which port.
func TestReachability(t *testing.T) {
	nsLabels := func(ns string) map[string]string { return map[string]string{"kubernetes.io/metadata.name": ns} }
	pod := func(ns, app, ip string, extra ...string) endpoint {
		l := map[string]string{"app.kubernetes.io/name": app}
		for i := 0; i+1 < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return endpoint{name: ns + "/" + app, namespace: ns, labels: l, ip: netip.MustParseAddr(ip)}
	}
	outside := func(name, ip string) endpoint { return endpoint{name: name, ip: netip.MustParseAddr(ip)} }
	prometheus := pod(plan.KubePrometheusStack, "prometheus", "10.40.64.9", "prometheus", "kube-prometheus-stack-prometheus")
	alertmanager := pod(plan.KubePrometheusStack, "alertmanager", "10.40.64.10")
	grafana := pod(plan.KubePrometheusStack, "grafana", "10.40.64.11", "app.kubernetes.io/instance", "kube-prometheus-stack")
	for _, c := range []struct {
		example string
		from    endpoint
		to      endpoint
		port    int32
		want    bool
	}{
		// qa: service1 and the migration reach postgres; nothing else does.
		{"qa", pod("qa", "service1", "10.20.64.5"), pod("qa", "postgres", "10.20.64.6"), 5432, true},
		{"qa", pod("qa", "migrate", "10.20.64.7"), pod("qa", "postgres", "10.20.64.6"), 5432, true},
		{"qa", pod("qa", "service2", "10.20.64.8"), pod("qa", "postgres", "10.20.64.6"), 5432, false},
		{"qa", pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), pod("qa", "postgres", "10.20.64.6"), 5432, false},
		{"qa", pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), pod("qa", "service1", "10.20.64.5"), 8080, true},
		{"qa", pod("kube-system", "other", "10.20.64.21"), pod("qa", "service1", "10.20.64.5"), 8080, false},
		// qa's "internet" workload reaches the internet, and nothing of the VPC.
		{"qa", pod("qa", "service2", "10.20.64.8"), outside("a partner", "203.0.113.7"), 443, true},
		{"qa", pod("qa", "service2", "10.20.64.8"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, false},
		{"qa", pod("qa", "service2", "10.20.64.8"), pod("qa", "service1", "10.20.64.5"), 8080, false},
		{"qa", pod("qa", "service2", "10.20.64.8"), outside("a node", "10.20.1.10"), 10250, false},
		{"qa", pod("qa", "service2", "10.20.64.8"), outside("the metadata service", "169.254.169.254"), 80, false},
		{"qa", pod("qa", "service2", "10.20.64.8"), outside("a Service IP", "172.20.0.10"), 443, false},
		// Without egress, a workload reaches no one outside its peers.
		{"qa", pod("qa", "postgres", "10.20.64.6"), outside("the internet", "203.0.113.7"), 443, false},
		// prod: Prometheus scrapes the metrics ports, and only those.
		{"prod", prometheus, pod("prod", "api", "10.40.64.5"), 9102, true},
		{"prod", prometheus, pod("prod", "mailer", "10.40.64.6"), 9102, true},
		{"prod", prometheus, pod("prod", "api", "10.40.64.5"), 9000, false},
		{"prod", prometheus, pod("prod", "shop", "10.40.64.7"), 8080, false},
		{"prod", grafana, pod("prod", "api", "10.40.64.5"), 9102, false},
		// A worker reaches only what it declares: AWS over HTTPS, no pod.
		{"prod", pod("prod", "mailer", "10.40.64.6"), pod("prod", "api", "10.40.64.5"), 9000, false},
		{"prod", pod("prod", "mailer", "10.40.64.6"), outside("SQS", "52.94.0.1"), 443, true},
		{"prod", pod("prod", "mailer", "10.40.64.6"), outside("a host on the internet", "203.0.113.7"), 22, false},
		// No workload reaches Prometheus, Alertmanager or Grafana.
		{"prod", pod("prod", "nightly-report", "10.40.64.8"), outside("an SFTP server", "203.0.113.7"), 22, true},
		{"prod", pod("prod", "nightly-report", "10.40.64.8"), prometheus, 9090, false},
		{"prod", pod("prod", "nightly-report", "10.40.64.8"), alertmanager, 9093, false},
		{"prod", pod("prod", "api", "10.40.64.5"), prometheus, 9090, false},
		{"prod", pod("prod", "shop", "10.40.64.7"), grafana, 3000, false},
		// Add-on namespaces let in their own pods, the control plane (from
		// its own subnets, where no pod has an address), Prometheus, and
		// what each add-on serves; nothing else.
		{"qa", outside("the control plane", "10.20.255.210"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, true},
		{"qa", outside("the control plane", "10.20.255.230"), pod("metrics-server", "metrics-server", "10.20.64.31"), 10250, true},
		{"qa", outside("a node", "10.20.1.10"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, false},
		{"qa", pod("external-secrets", "external-secrets", "10.20.64.32"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, true},
		{"qa", pod("keda", "keda-operator", "10.20.64.33"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, false},
		{"qa", outside("the ALB through a node", "10.20.2.10"), pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), 80, true},
		{"qa", outside("the ALB through a node", "10.20.2.10"), pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), 8081, false},
		{"qa", pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), pod("grafana", "grafana", "10.20.64.34"), 3000, true},
		{"qa", pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), pod("headlamp", "headlamp", "10.20.64.35"), 4466, true},
		{"qa", pod("nginx-ingress", "nginx-ingress", "10.20.64.20"), pod("external-secrets", "external-secrets-webhook", "10.20.64.30"), 10250, false},
		{"qa", pod("qa", "service1", "10.20.64.5"), pod("grafana", "grafana", "10.20.64.34"), 3000, false},
		{"qa", pod("qa", "service1", "10.20.64.5"), pod("headlamp", "headlamp", "10.20.64.35"), 4466, false},
		{"prod", prometheus, pod("nginx-ingress", "nginx-ingress", "10.40.64.20"), 9113, true},
		{"prod", prometheus, pod("keda", "keda-operator", "10.40.64.21"), 8080, true},
		{"prod", pod("keda", "keda-operator", "10.40.64.21"), prometheus, 9090, true},
		{"prod", pod("keda", "keda-operator", "10.40.64.21"), alertmanager, 9093, false},
		{"prod", pod("nginx-ingress", "nginx-ingress", "10.40.64.20"), prometheus, 9090, false},
		{"prod", pod("nginx-ingress", "nginx-ingress", "10.40.64.20"), alertmanager, 9093, false},
		{"prod", grafana, prometheus, 9090, true},
		// kube-prometheus-stack's Grafana, and only it, to the ingress controller.
		{"prod", pod("nginx-ingress", "nginx-ingress", "10.40.64.20"), grafana, 3000, true},
		{"prod", pod("nginx-ingress", "nginx-ingress", "10.40.64.20"), pod(plan.KubePrometheusStack, "kube-state-metrics", "10.40.64.13"), 3000, false},
		{"prod", pod("prod", "api", "10.40.64.5"), grafana, 3000, false},
		{"prod", outside("the control plane", "10.40.255.250"), pod(plan.KubePrometheusStack, "kube-prometheus-stack-operator", "10.40.64.12"), 10250, true},
		{"prod", outside("a node", "10.40.1.10"), prometheus, 9090, false},
	} {
		name := fmt.Sprintf("%s: %s → %s:%d", c.example, c.from.name, c.to.name, c.port)
		if got := reaches(networkPolicies(t, c.example), nsLabels, c.from, c.to, c.port); got != c.want {
			t.Errorf("%s = %v, want %v", name, got, c.want)
		}
	}
}

// TestPeersBeyondTheNamespace: an add-on in allowFrom admits its
// namespace's pods, and namespace/name in egress reaches those pods and no
// others.
func TestPeersBeyondTheNamespace(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.NewReplacer(
		`allowFrom: ["service1", "migrate"]`, `allowFrom: ["service1", "migrate", "external-secrets"]`,
		`egress: ["internet"] // calls a partner's API`, `egress: ["internet", "kube-system/metrics-api", "grafana"]`,
	).Replace(string(qa))
	res, diags, err := compiler.Compile([]load.Source{{Path: "qa.cue", Data: []byte(spec)}}, compiler.Options{})
	if err != nil || res == nil {
		t.Fatalf("%v %v", err, diags)
	}
	policies := policiesOf(t, res.Files)
	nsLabels := func(ns string) map[string]string { return map[string]string{"kubernetes.io/metadata.name": ns} }
	pod := func(ns, app, ip string) endpoint {
		return endpoint{name: ns + "/" + app, namespace: ns, labels: map[string]string{"app.kubernetes.io/name": app}, ip: netip.MustParseAddr(ip)}
	}
	postgres, service2 := pod("qa", "postgres", "10.20.64.6"), pod("qa", "service2", "10.20.64.8")
	for _, c := range []struct {
		from, to endpoint
		port     int32
		want     bool
	}{
		{pod("external-secrets", "external-secrets", "10.20.64.30"), postgres, 5432, true},
		{pod("grafana", "grafana", "10.20.64.31"), postgres, 5432, false},
		{service2, pod("kube-system", "metrics-api", "10.20.64.40"), 8443, true},
		{service2, pod("kube-system", "coredns-admin", "10.20.64.41"), 8443, false},
		// Naming an add-on in egress opens its namespace to that workload
		// on both ends, and to no other.
		{service2, pod("grafana", "grafana", "10.20.64.34"), 3000, true},
		{pod("qa", "service1", "10.20.64.5"), pod("grafana", "grafana", "10.20.64.34"), 3000, false},
	} {
		if got := reaches(policies, nsLabels, c.from, c.to, c.port); got != c.want {
			t.Errorf("%s → %s:%d = %v, want %v", c.from.name, c.to.name, c.port, got, c.want)
		}
	}
}
