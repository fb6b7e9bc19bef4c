package k8s_test

// Proofs over what Flux would apply: every example's overlay builds with
// kustomize, every object decodes strictly into the real API types, and the
// rendered qa environment holds the promises the spec makes.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	"github.com/prometheus/prometheus/promql/parser"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/compiler/render"
	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/internal/testutil"
)

// allowed are the only API versions kuberatorc emits: current ones. The
// decoder would accept removed versions too (Ingress v1beta1), so this list
// is what keeps them out.
var allowed = map[string]bool{
	"v1/Namespace": true, "v1/Service": true, "v1/ServiceAccount": true, "v1/ConfigMap": true,
	"apps/v1/Deployment": true, "apps/v1/StatefulSet": true, "batch/v1/Job": true, "batch/v1/CronJob": true,
	"networking.k8s.io/v1/Ingress":                      true,
	"networking.k8s.io/v1/NetworkPolicy":                true,
	"autoscaling/v2/HorizontalPodAutoscaler":            true,
	"policy/v1/PodDisruptionBudget":                     true,
	"storage.k8s.io/v1/StorageClass":                    true,
	"helm.toolkit.fluxcd.io/v2/HelmRelease":             true,
	"source.toolkit.fluxcd.io/v1/HelmRepository":        true,
	"source.toolkit.fluxcd.io/v1/GitRepository":         true,
	"kustomize.toolkit.fluxcd.io/v1/Kustomization":      true,
	"monitoring.coreos.com/v1/PrometheusRule":           true,
	"monitoring.coreos.com/v1/ServiceMonitor":           true,
	"monitoring.coreos.com/v1/PodMonitor":               true,
	"monitoring.coreos.com/v1alpha1/AlertmanagerConfig": true,
}

func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, helmv2.AddToScheme, sourcev1.AddToScheme, kustomizev1.AddToScheme,
		monitoringv1.AddToScheme, monitoringv1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

// documents splits a YAML stream into its documents.
func documents(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// checkedByCRD are kinds no Go module here provides types for: make e2e
// dry-runs them against their CRDs with strict field validation instead.
var checkedByCRD = map[string]bool{
	"external-secrets.io/v1/ClusterSecretStore": true,
	"external-secrets.io/v1/ExternalSecret":     true,
}

// decodeAll decodes every document strictly and checks its kind is allowed.
func decodeAll(t *testing.T, dec runtime.Decoder, where string, stream []byte) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	for _, doc := range documents(t, stream) {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatal(err)
		}
		if gvk := u.GroupVersionKind(); checkedByCRD[key(&gvk)] {
			out = append(out, &u)
			continue
		}
		o, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Errorf("%s: does not decode strictly: %v\n%s", where, err, doc)
			continue
		}
		if !allowed[key(gvk)] {
			t.Errorf("%s: %s is not on the allow-list of current API versions", where, key(gvk))
		}
		out = append(out, o)
	}
	return out
}

func key(gvk *schema.GroupVersionKind) string {
	return strings.TrimPrefix(gvk.Group+"/"+gvk.Version+"/"+gvk.Kind, "/")
}

func TestEveryOverlayBuildsAndDecodesStrictly(t *testing.T) {
	dec := strictDecoder(t)
	for _, name := range testutil.Examples {
		t.Run(name, func(t *testing.T) {
			res := testutil.CompileExample(t, name)
			out, err := render.Build(res.Files, name)
			if err != nil {
				t.Fatal(err)
			}
			objs := decodeAll(t, dec, name+" overlay", out)
			if len(objs) == 0 && len(res.Env.Addons)+len(res.Env.Workloads) > 0 {
				t.Fatalf("%s renders no objects", name)
			}
			// The cluster directory is applied by flux bootstrap, not the overlay.
			for _, p := range res.Files.Paths() {
				if strings.HasPrefix(p, layout.ClustersDir+"/") {
					decodeAll(t, dec, p, res.Files[p])
				}
			}
		})
	}
}

// rendered is the qa overlay as generic objects, for the checks below.
type object struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   map[string]any `json:"metadata"`
	Spec       map[string]any `json:"spec"`
}

func (o object) name() string { return o.Metadata["name"].(string) }

func renderQA(t *testing.T) (*compiler.Result, []object) {
	t.Helper()
	res := testutil.CompileExample(t, "qa")
	out, err := render.Build(res.Files, "qa")
	if err != nil {
		t.Fatal(err)
	}
	var objs []object
	for _, doc := range documents(t, out) {
		var o object
		if err := yaml.Unmarshal(doc, &o); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return res, objs
}

// find walks a values tree and returns every value stored under key.
func find(v any, key string) []any {
	var out []any
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == key {
				out = append(out, x)
			}
			out = append(out, find(x, key)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, find(x, key)...)
		}
	}
	return out
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const (
	requireSystem  = `{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"nodeType","operator":"In","values":["system"]}]}]}}}`
	tolerateSystem = `{"effect":"NoSchedule","key":"nodeType","operator":"Equal","value":"system"}`
)

// TestSystemPlacement: every add-on that is not a DaemonSet requires the
// system role label wherever its values set an affinity, and tolerates the
// system taint there; DaemonSets tolerate everything and require nothing.
func TestSystemPlacement(t *testing.T) {
	res, objs := renderQA(t)
	releases := 0
	for _, o := range objs {
		if o.Kind != "HelmRelease" {
			continue
		}
		releases++
		values := o.Spec["values"]
		affinities, tolerations := find(values, "affinity"), find(values, "tolerations")
		daemonSet, daemonSetParts := false, 0
		for _, a := range res.Plan.Addons {
			if a.Catalog != nil && a.Catalog.Release == o.name() {
				daemonSet, daemonSetParts = a.DaemonSet(), len(a.Catalog.TolerationsOnly)
			}
		}
		if daemonSet {
			if len(affinities) != 0 || asJSON(tolerations) != `[[{"operator":"Exists"}]]` {
				t.Errorf("DaemonSet %s: affinity %s, tolerations %s; want none and Exists", o.name(), asJSON(affinities), asJSON(tolerations))
			}
			continue
		}
		// A chart's DaemonSet parts tolerate everything; its other parts
		// are placed on system nodes.
		everyNode := slices.DeleteFunc(slices.Clone(tolerations), func(t any) bool { return asJSON(t) != `[{"operator":"Exists"}]` })
		if len(everyNode) != daemonSetParts {
			t.Errorf("%s: %d DaemonSet parts tolerate everything, want %d", o.name(), len(everyNode), daemonSetParts)
		}
		tolerations = slices.DeleteFunc(tolerations, func(t any) bool { return asJSON(t) == `[{"operator":"Exists"}]` })
		if len(affinities) == 0 || len(affinities) != len(tolerations) {
			t.Errorf("%s sets %d affinities and %d tolerations; want at least one of each, paired", o.name(), len(affinities), len(tolerations))
		}
		for _, a := range affinities {
			if asJSON(a) != requireSystem {
				t.Errorf("%s: affinity %s does not require system nodes", o.name(), asJSON(a))
			}
		}
		for _, tol := range tolerations {
			if !strings.Contains(asJSON(tol), tolerateSystem) {
				t.Errorf("%s: tolerations %s lack the system taint", o.name(), asJSON(tol))
			}
		}
	}
	if releases != 13 {
		t.Errorf("qa renders %d HelmReleases, want 13 (11 add-ons, flux bootstrapped; nri-bundle, external-secrets and aws-node-termination-handler implied)", releases)
	}
	for _, o := range objs {
		if o.Kind != "Deployment" && o.Kind != "StatefulSet" {
			continue
		}
		affinity := asJSON(find(o.Spec["template"], "affinity"))
		if !strings.Contains(affinity, `"key":"nodeType","operator":"In","values":["app"]`) {
			t.Errorf("%s %s does not require app nodes: %s", o.Kind, o.name(), affinity)
		}
		if o.Kind == "StatefulSet" && !strings.Contains(affinity, `"key":"topology.kubernetes.io/zone","operator":"In","values":["eu-west-1a"]`) {
			t.Errorf("StatefulSet %s is not pinned to its zone: %s", o.name(), affinity)
		}
	}
}

// TestEntryIngress: the ALB Ingress carries each annotation with the spec's value.
func TestEntryIngress(t *testing.T) {
	res, objs := renderQA(t)
	in := res.Env.Ingress
	want := map[string]string{
		"alb.ingress.kubernetes.io/scheme":          "internet-facing",
		"alb.ingress.kubernetes.io/target-type":     "instance",
		"alb.ingress.kubernetes.io/listen-ports":    `[{"HTTP": 80}, {"HTTPS": 443}]`,
		"alb.ingress.kubernetes.io/ssl-redirect":    "443",
		"alb.ingress.kubernetes.io/certificate-arn": in.CertificateARN,
		"alb.ingress.kubernetes.io/inbound-cidrs":   "0.0.0.0/0",
		// The NGINX controller's own health endpoint on its default server;
		// every other path there answers 404.
		"alb.ingress.kubernetes.io/healthcheck-path": "/nginx-health",
		"alb.ingress.kubernetes.io/success-codes":    "200",
		"alb.ingress.kubernetes.io/ssl-policy":       "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"external-dns.alpha.kubernetes.io/hostname":  "service1.qa.example.com,test-k8.qa.example.com,www.qa.example.com",
		// A node labelled out of the target group finishes its requests in
		// flight within this, well inside the drain.
		"alb.ingress.kubernetes.io/target-group-attributes": "deregistration_delay.timeout_seconds=20",
	}
	var entry *object
	for i, o := range objs {
		if o.Kind == "Ingress" && o.name() == k8s.EntryName {
			entry = &objs[i]
		}
	}
	if entry == nil {
		t.Fatal("no entry Ingress rendered")
	}
	annotations := entry.Metadata["annotations"].(map[string]any)
	for k, v := range want {
		if annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, annotations[k], v)
		}
	}
	// The controller serves that path, and every node passes the ALB's
	// instance-target health check, not only those running an nginx pod.
	for _, o := range objs {
		if o.Kind == "HelmRelease" && o.name() == "nginx-ingress" {
			c := o.Spec["values"].(map[string]any)["controller"].(map[string]any)
			svc := c["service"].(map[string]any)
			if c["healthStatus"] != true || c["healthStatusURI"] != "/nginx-health" || svc["externalTrafficPolicy"] != "Cluster" {
				t.Errorf("nginx values: healthStatus %v at %v, externalTrafficPolicy %v; want true at /nginx-health, Cluster",
					c["healthStatus"], c["healthStatusURI"], svc["externalTrafficPolicy"])
			}
		}
	}
	if entry.Spec["ingressClassName"] != "alb" || entry.Metadata["namespace"] != "nginx-ingress" {
		t.Errorf("entry Ingress class %v in %v, want alb in nginx-ingress", entry.Spec["ingressClassName"], entry.Metadata["namespace"])
	}
	backend := asJSON(find(entry.Spec, "backend"))
	if backend != `[{"service":{"name":"nginx-ingress-controller","port":{"number":80}}}]` {
		t.Errorf("entry backend %s, want the nginx controller Service port 80", backend)
	}
	// The controller Service must be a NodePort for target-type instance.
	for _, o := range objs {
		if o.Kind == "HelmRelease" && o.name() == "nginx-ingress" {
			if got := asJSON(find(o.Spec["values"], "service")); !strings.Contains(got, `"type":"NodePort"`) {
				t.Errorf("nginx controller service %s is not a NodePort", got)
			}
		}
	}
}

// TestNodesLeaveTheLoadBalancersFirst: the rendered termination handler
// labels a node out of the ALB's target groups before it drains it, drains
// only this cluster's nodes (its own tag key, which every ASG propagates),
// completes the events of instances that are no node here, and drains for
// longer than the slowest pod takes to stop; nginx stops gracefully.
func TestNodesLeaveTheLoadBalancersFirst(t *testing.T) {
	res, objs := renderQA(t)
	release := func(name string) map[string]any {
		for _, o := range objs {
			if o.Kind == "HelmRelease" && o.name() == name {
				return o.Spec["values"].(map[string]any)
			}
		}
		t.Fatalf("no HelmRelease %s rendered", name)
		return nil
	}
	handler := release("aws-node-termination-handler")
	if handler["excludeFromLoadBalancers"] != true || handler["deleteSqsMsgIfNodeNotFound"] != true ||
		handler["managedTag"] != plan.TerminationManagedTag(res.Plan.ClusterName) || handler["checkTagBeforeDraining"] != true {
		t.Errorf("termination handler values: %s", asJSON(handler))
	}
	drain := res.Plan.DrainBudget(res.Env)
	if handler["nodeTerminationGracePeriod"] != float64(drain.NodeSeconds) || drain.NodeSeconds <= drain.PodSeconds {
		t.Errorf("the handler drains for %v s; the slowest pod takes %d s", handler["nodeTerminationGracePeriod"], drain.PodSeconds)
	}
	nginx := release("nginx-ingress")["controller"].(map[string]any)
	if asJSON(nginx["lifecycle"]) != `{"preStop":{"sleep":{"seconds":15}}}` || nginx["terminationGracePeriodSeconds"] != float64(45) {
		t.Errorf("nginx does not stop gracefully: lifecycle %s, grace %v", asJSON(nginx["lifecycle"]), nginx["terminationGracePeriodSeconds"])
	}
}

// TestHostsReachExternalDNS: every workload host is in external-dns's domain
// filters and in the entry's hostname annotation.
func TestHostsReachExternalDNS(t *testing.T) {
	_, objs := renderQA(t)
	var filters []any
	var hostnames string
	for _, o := range objs {
		if o.Kind == "HelmRelease" && o.name() == "external-dns" {
			filters = o.Spec["values"].(map[string]any)["domainFilters"].([]any)
		}
		if o.Kind == "Ingress" && o.name() == k8s.EntryName {
			hostnames = o.Metadata["annotations"].(map[string]any)["external-dns.alpha.kubernetes.io/hostname"].(string)
		}
	}
	hosts := 0
	for _, o := range objs {
		if o.Kind != "Ingress" || o.name() == k8s.EntryName {
			continue
		}
		for _, h := range find(o.Spec, "host") {
			hosts++
			host := h.(string)
			if !slices.ContainsFunc(filters, func(f any) bool { return host == f || strings.HasSuffix(host, "."+f.(string)) }) {
				t.Errorf("host %s is outside external-dns's domain filters %v", host, filters)
			}
			if !slices.Contains(strings.Split(hostnames, ","), host) {
				t.Errorf("host %s is not in the entry's hostname annotation %q", host, hostnames)
			}
		}
	}
	if hosts == 0 {
		t.Fatal("qa renders no workload hosts")
	}
}

// TestClusterNameAgrees: the autoscaler and the load balancer controller name
// the cluster Terraform creates, and the ASGs carry its discovery tags.
func TestClusterNameAgrees(t *testing.T) {
	res, objs := renderQA(t)
	var eks struct {
		Resource struct {
			Cluster struct {
				Main struct{ Name string } `json:"main"`
			} `json:"aws_eks_cluster"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(res.Files["terraform/qa/eks.tf.json"], &eks); err != nil {
		t.Fatal(err)
	}
	cluster := eks.Resource.Cluster.Main.Name
	if cluster == "" {
		t.Fatal("no cluster name in eks.tf.json")
	}
	for _, o := range objs {
		if o.Kind != "HelmRelease" {
			continue
		}
		values, _ := o.Spec["values"].(map[string]any)
		switch o.name() {
		case "cluster-autoscaler":
			if got := find(values, "clusterName"); asJSON(got) != asJSON([]string{cluster}) {
				t.Errorf("cluster-autoscaler autoDiscovery.clusterName %v, want %s", got, cluster)
			}
		case "aws-load-balancer-controller":
			if values["clusterName"] != cluster {
				t.Errorf("load balancer controller clusterName %v, want %s", values["clusterName"], cluster)
			}
		}
	}
	nodes := string(res.Files["terraform/qa/nodes.tf.json"])
	for _, tag := range []string{`"key": "k8s.io/cluster-autoscaler/` + cluster + `"`, `"key": "kubernetes.io/cluster/` + cluster + `"`} {
		if n := strings.Count(nodes, tag); n != 6 {
			t.Errorf("%d ASGs carry %s, want all 6", n, tag)
		}
	}
}

// TestBasesAreSharedAcrossEnvironments: a base depends only on the catalog.
func TestBasesAreSharedAcrossEnvironments(t *testing.T) {
	qa, prod := testutil.CompileExample(t, "qa").Files, testutil.CompileExample(t, "prod").Files
	shared := 0
	for _, p := range qa.Paths() {
		if !strings.HasPrefix(p, layout.BaseDir+"/") {
			continue
		}
		if other, ok := prod[p]; ok {
			shared++
			if !bytes.Equal(qa[p], other) {
				t.Errorf("%s differs between qa and prod", p)
			}
		}
	}
	if shared < 20 {
		t.Errorf("only %d base files shared between qa and prod", shared)
	}
	// What a kuberatorc release changes lives in the overlays: a base holds
	// a namespace and a Helm repository, no chart version or values.
	for _, p := range qa.Paths() {
		if strings.HasPrefix(p, layout.BaseDir+"/") && strings.Contains(string(qa[p]), "kind: HelmRelease") {
			t.Errorf("%s holds a HelmRelease: its version would reach every environment at once", p)
		}
	}
}

// TestFluxLayers: the cluster directory holds one Flux Kustomization per
// layer, each sourced from the GitRepository flux bootstrap creates, pointing
// at a layer the build wrote under the spec's repository root, pruning,
// waiting for health, bounded by a timeout, and depending on the layer before.
func TestFluxLayers(t *testing.T) {
	for _, name := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, name)
		previous := ""
		for _, layer := range layout.Layers {
			var k kustomizev1.Kustomization
			p := path.Join(layout.Cluster(name), "kustomization-"+plan.LayerName(name, layer)+".yaml")
			if err := yaml.UnmarshalStrict(res.Files[p], &k); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			dir := strings.TrimPrefix(path.Clean(k.Spec.Path), path.Clean(res.Env.GitOps.Root)+"/")
			if _, ok := res.Files[path.Join(dir, "kustomization.yaml")]; !ok || dir != layout.Layer(name, layer) {
				t.Errorf("%s: path %s is not the generated %s layer", p, k.Spec.Path, layer)
			}
			if k.Spec.SourceRef.Kind != "GitRepository" || k.Spec.SourceRef.Name != "flux-system" {
				t.Errorf("%s: source %v, want the flux-system GitRepository bootstrap creates", p, k.Spec.SourceRef)
			}
			if !k.Spec.Prune || !k.Spec.Wait || k.Spec.Timeout == nil {
				t.Errorf("%s: prune %v, wait %v, timeout %v; want prune, wait and a timeout", p, k.Spec.Prune, k.Spec.Wait, k.Spec.Timeout)
			}
			var deps []string
			for _, d := range k.Spec.DependsOn {
				deps = append(deps, d.Name)
			}
			if want := []string{previous}; previous == "" && len(deps) != 0 || previous != "" && !slices.Equal(deps, want) {
				t.Errorf("%s: dependsOn %v, want %q", p, deps, previous)
			}
			previous = k.Name
		}
		for _, p := range res.Files.Paths() {
			if strings.HasPrefix(p, layout.Cluster(name)+"/") && strings.Contains(string(res.Files[p]), "\nkind: GitRepository") {
				t.Errorf("%s: a GitRepository of our own; the layers must use bootstrap's flux-system", p)
			}
		}
	}
}

// builtIn are the API groups a fresh cluster with Flux serves before any
// add-on runs: Kubernetes' own and Flux's.
var builtIn = map[string]bool{
	"": true, "apps": true, "policy": true, "storage.k8s.io": true, "autoscaling": true,
	"networking.k8s.io": true, "rbac.authorization.k8s.io": true, "batch": true,
	"source.toolkit.fluxcd.io": true, "helm.toolkit.fluxcd.io": true, "kustomize.toolkit.fluxcd.io": true,
}

// brings are the API groups whose CRDs (or, for "Ingress/alb", admission
// webhook) each chart installs, from the charts' crds/ and templates.
var brings = map[string][]string{
	"kube-prometheus-stack":        {"monitoring.coreos.com"},
	"external-secrets":             {"external-secrets.io"},
	"aws-load-balancer-controller": {"elbv2.k8s.aws", "Ingress/alb"},
	"keda":                         {"keda.sh", "eventing.keda.sh"},
}

// stalls lists the objects of one Flux Kustomization that would keep it from
// ever applying on a fresh cluster: kustomize-controller dry-runs them all
// first, so a custom resource whose CRD a HelmRelease beside it installs, or
// an Ingress of class alb beside the controller whose webhook admits it,
// fails the whole set ("no matches for kind"). An object of a group that is
// neither built in nor brought by any chart is reported too.
func stalls(objs []object) []string {
	beside := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "HelmRelease" {
			chart := o.Spec["chart"].(map[string]any)["spec"].(map[string]any)["chart"].(string)
			for _, g := range brings[chart] {
				beside[g] = true
			}
		}
	}
	known := map[string]bool{}
	for _, gs := range brings {
		for _, g := range gs {
			known[g] = true
		}
	}
	var out []string
	for _, o := range objs {
		group, _, _ := strings.Cut(o.APIVersion, "/")
		if !strings.Contains(o.APIVersion, "/") {
			group = ""
		}
		alb := o.Kind == "Ingress" && o.Spec["ingressClassName"] == "alb"
		if beside[group] || alb && beside["Ingress/alb"] || !builtIn[group] && !known[group] {
			out = append(out, o.Kind+"/"+o.name())
		}
	}
	return out
}

func layerObjects(t *testing.T, res *compiler.Result, dirs ...string) []object {
	t.Helper()
	files := fileset.FileSet{}
	files.Merge(res.Files)
	// One kustomization over the given layer directories: how a single
	// Kustomization holding them all would see them.
	var resources []string
	for _, d := range dirs {
		resources = append(resources, "../"+strings.TrimPrefix(d, layout.Overlay(res.Env.Name)+"/"))
	}
	merged := path.Join(layout.Overlay(res.Env.Name), "merged")
	files[path.Join(merged, "kustomization.yaml")] = []byte("resources: [" + strings.Join(resources, ", ") + "]\n")
	fs := filesys.MakeFsInMemory()
	for p, data := range files {
		if err := fs.WriteFile("/"+p, data); err != nil {
			t.Fatal(err)
		}
	}
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/"+merged)
	if err != nil {
		t.Fatal(err)
	}
	var out []object
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		var o object
		if err := json.Unmarshal([]byte(asJSON(m)), &o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// TestFailureStaysWithItsWorkload: every Kustomization waits for its
// objects to be Ready, so an object of one workload that kustomize-controller
// health-checks (its controller, its ExternalSecret) must sit in that
// workload's own Kustomization. In a shared layer, one missing SSM
// parameter would hold up every workload.
func TestFailureStaysWithItsWorkload(t *testing.T) {
	checked := []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "ExternalSecret", "HelmRelease", "PersistentVolumeClaim"}
	for _, name := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, name)
		secrets := 0
		for _, u := range layout.UnitsOf(res.Files, name) {
			for _, o := range layerObjects(t, res, u.Dir) {
				if ns, _ := o.Metadata["namespace"].(string); !slices.Contains(checked, o.Kind) || ns != name {
					continue
				}
				owner := strings.TrimSuffix(o.name(), "-env")
				if _, ok := res.Env.Workloads[owner]; ok && u.Dir != layout.App(name, owner) {
					t.Errorf("%s: %s/%s of workload %s is in %s, not in the workload's own Kustomization", name, o.Kind, o.name(), owner, u.Name)
				}
				if _, ok := res.Env.Workloads[owner]; ok && o.Kind == "ExternalSecret" {
					secrets++
				}
			}
		}
		if name == "qa" && secrets == 0 {
			t.Errorf("%s: no workload ExternalSecret to check", name)
		}
	}
}

// TestNoLayerStalls: no Flux Kustomization of qa or prod (a layer or a
// workload) holds an object that would stall it on a fresh cluster, and the
// check catches the layout before layers (the add-ons and the objects their
// CRDs serve in one Kustomization).
func TestNoLayerStalls(t *testing.T) {
	for _, name := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, name)
		units := layout.UnitsOf(res.Files, name)
		if len(units) != len(layout.Layers)+len(res.Env.Workloads) {
			t.Fatalf("%s: %d Kustomizations, want the %d layers and one per workload (%d)", name, len(units), len(layout.Layers), len(res.Env.Workloads))
		}
		for _, u := range units {
			if s := stalls(layerObjects(t, res, u.Dir)); len(s) > 0 {
				t.Errorf("%s %s would stall on a fresh cluster: %v", name, u.Name, s)
			}
		}
		old := stalls(layerObjects(t, res, layout.Layer(name, layout.Infra), layout.Layer(name, layout.Configs)))
		if !slices.Contains(old, "Ingress/"+k8s.EntryName) {
			t.Errorf("%s: the single-Kustomization layout is not caught: %v", name, old)
		}
		if name == "prod" && !slices.Contains(old, "PrometheusRule/prod-alerts") {
			t.Errorf("prod: a PrometheusRule beside kube-prometheus-stack is not caught: %v", old)
		}
	}
}

// TestPrometheusTwin: prod runs kube-prometheus-stack, so its alert rules
// also exist as a PrometheusRule whose every expression parses, and as
// Alertmanager routes to exactly the destinations each rule names, reading
// credentials from Kubernetes Secrets only.
func TestPrometheusTwin(t *testing.T) {
	res := testutil.CompileExample(t, "prod")
	out, err := render.Build(res.Files, "prod")
	if err != nil {
		t.Fatal(err)
	}
	dec := strictDecoder(t)
	var rule *monitoringv1.PrometheusRule
	var am *monitoringv1alpha1.AlertmanagerConfig
	for _, o := range decodeAll(t, dec, "prod overlay", out) {
		switch o := o.(type) {
		case *monitoringv1.PrometheusRule:
			rule = o
		case *monitoringv1alpha1.AlertmanagerConfig:
			am = o
		}
	}
	if rule == nil || am == nil {
		t.Fatalf("prod renders PrometheusRule %v, AlertmanagerConfig %v; want both", rule != nil, am != nil)
	}
	rules := res.Env.Alerts.Rules.All()
	var alerts []string
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if _, err := parser.ParseExpr(r.Expr.String()); err != nil {
				t.Errorf("alert %s: PromQL does not parse: %v\n%s", r.Alert, err, r.Expr.String())
			}
			if r.Labels["namespace"] != "prod" || r.Labels["severity"] == "" {
				t.Errorf("alert %s labels %v lack namespace prod or a severity", r.Alert, r.Labels)
			}
		}
	}
	if len(alerts) != len(rules) {
		t.Errorf("PrometheusRule alerts %v, want one per spec rule (%d)", alerts, len(rules))
	}
	routed := map[string]bool{}
	for _, r := range am.Spec.Route.Routes {
		var route monitoringv1alpha1.Route
		if err := json.Unmarshal(r.Raw, &route); err != nil {
			t.Fatal(err)
		}
		routed[route.Matchers[0].Value+"→"+route.Receiver] = true
	}
	// Every destination Alertmanager can reach: prod's Slack is an existing
	// New Relic destination with no webhook, so New Relic alone serves it.
	reachable := plan.AlertmanagerDestinations(res.Env.Alerts)
	if slices.Contains(reachable, "slack") || !slices.Contains(reachable, "pager") {
		t.Fatalf("Alertmanager reaches %v, want pager and not slack", reachable)
	}
	want := 0
	for _, r := range rules {
		for _, d := range r.Notify {
			if slices.Contains(reachable, d) {
				want++
				if !routed[r.Name+"→"+d] {
					t.Errorf("rule %s is not routed to %s", r.Name, d)
				}
			}
		}
	}
	if len(routed) != want {
		t.Errorf("%d routes, want %d (one per rule and reachable destination it names)", len(routed), want)
	}
	// Every Secret a receiver reads is one an ExternalSecret makes: a
	// missing one makes prometheus-operator drop the whole config.
	made := map[string]bool{}
	for _, o := range objs(out) {
		if o.Kind == "ExternalSecret" && o.Metadata["namespace"] == "prod" {
			made[o.Spec["target"].(map[string]any)["name"].(string)] = true
		}
	}
	receivers, _ := json.Marshal(am.Spec.Receivers)
	if strings.Contains(string(receivers), `"value"`) {
		t.Errorf("receivers must read secrets from Kubernetes Secrets: %s", receivers)
	}
	for _, secret := range regexp.MustCompile(`"name":"(alerting-[a-z0-9-]+)"`).FindAllStringSubmatch(string(receivers), -1) {
		if !made[secret[1]] {
			t.Errorf("a receiver reads Secret %s, which nothing makes", secret[1])
		}
	}
	if len(made) == 0 {
		t.Error("no ExternalSecret makes the receivers' Secrets")
	}
}

// objs reads a rendered stream as generic objects.
func objs(stream []byte) []object {
	var out []object
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		var o object
		if err := yaml.Unmarshal(doc, &o); err == nil && o.Kind != "" {
			out = append(out, o)
		}
	}
	return out
}

// TestNewRelicIntegrationFeedsTheConditions: with alerts going to New Relic,
// its Kubernetes integration runs, reports under the cluster name the NRQL
// filters on, and reads its license key from a Secret an ExternalSecret makes
// from SSM through the store, whose operator's role may read exactly the
// parameters the cluster needs.
func TestNewRelicIntegrationFeedsTheConditions(t *testing.T) {
	res, objs := renderQA(t)
	var release, store, license *object
	for i, o := range objs {
		switch {
		case o.Kind == "HelmRelease" && o.name() == "nri-bundle":
			release = &objs[i]
		case o.Kind == "ClusterSecretStore" && o.name() == k8s.SecretStore:
			store = &objs[i]
		case o.Kind == "ExternalSecret" && o.Metadata["namespace"] == "newrelic":
			license = &objs[i]
		}
	}
	if release == nil || store == nil || license == nil {
		t.Fatalf("nri-bundle %v, store %v, license ExternalSecret %v: want all", release != nil, store != nil, license != nil)
	}
	global := release.Spec["values"].(map[string]any)["global"].(map[string]any)
	if global["cluster"] != res.Plan.ClusterName {
		t.Errorf("nri-bundle reports as cluster %v, the conditions filter on %s", global["cluster"], res.Plan.ClusterName)
	}
	policy := string(res.Files["newrelic/qa/policy.tf.json"])
	if !strings.Contains(policy, "clusterName = '"+res.Plan.ClusterName+"'") {
		t.Errorf("the NRQL does not filter on cluster %s", res.Plan.ClusterName)
	}
	target := license.Spec["target"].(map[string]any)["name"]
	data := license.Spec["data"].([]any)[0].(map[string]any)
	if target != global["customSecretName"] || data["secretKey"] != global["customSecretLicenseKey"] {
		t.Errorf("license Secret %v key %v, nri-bundle reads %v key %v", target, data["secretKey"], global["customSecretName"], global["customSecretLicenseKey"])
	}
	param := data["remoteRef"].(map[string]any)["key"]
	if param != res.Env.Alerts.NewRelic.LicenseKey.SSMParameter {
		t.Errorf("license read from %v, the spec names %s", param, res.Env.Alerts.NewRelic.LicenseKey.SSMParameter)
	}
	if ref := license.Spec["secretStoreRef"].(map[string]any); ref["name"] != store.name() || ref["kind"] != "ClusterSecretStore" {
		t.Errorf("license ExternalSecret reads from %v, the store is %s", ref, store.name())
	}
	addons := string(res.Files["terraform/qa/addons.tf.json"])
	arn := `arn:${data.aws_partition.current.partition}:ssm:eu-west-1:123456789012:parameter` + param.(string)
	if !strings.Contains(addons, strings.ReplaceAll(arn, `"`, `\"`)) || strings.Contains(addons, `ssm:GetParameter\",\"Resource\":[\"*\"]`) {
		t.Errorf("the operator's role does not grant exactly %s:\n%s", arn, addons)
	}
}

// TestLogsShipToTheEnvironmentsGroup: fluent-bit ships to the log group the
// Terraform creates with the spec's retention, in the spec's region, and its
// role may write to that group only.
func TestLogsShipToTheEnvironmentsGroup(t *testing.T) {
	res, objs := renderQA(t)
	group := "/aws/eks/" + res.Plan.ClusterName + "/containers"
	var outputs string
	for _, o := range objs {
		if o.Kind == "HelmRelease" && o.name() == "fluent-bit" {
			outputs, _ = o.Spec["values"].(map[string]any)["config"].(map[string]any)["outputs"].(string)
		}
	}
	for _, want := range []string{"Name                cloudwatch_logs", "log_group_name      " + group, "region              eu-west-1", "auto_create_group   false"} {
		if !strings.Contains(outputs, want) {
			t.Errorf("fluent-bit outputs lack %q:\n%s", want, outputs)
		}
	}
	var tf struct {
		Resource struct {
			Groups   map[string]map[string]any `json:"aws_cloudwatch_log_group"`
			Policies map[string]map[string]any `json:"aws_iam_role_policy"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(res.Files["terraform/qa/addons.tf.json"], &tf); err != nil {
		t.Fatal(err)
	}
	g := tf.Resource.Groups["containers"]
	if g["name"] != group || g["retention_in_days"] != float64(res.Env.Logs.RetentionDays) {
		t.Errorf("log group %v, want %s with %d days' retention", g, group, res.Env.Logs.RetentionDays)
	}
	policy, _ := tf.Resource.Policies["addon_fluent_bit"]["policy"].(string)
	if !strings.Contains(policy, ":logs:eu-west-1:123456789012:log-group:"+group+":*") || strings.Contains(policy, `"*"`) {
		t.Errorf("fluent-bit's role is not scoped to its group: %s", policy)
	}
}

// TestPostgresWouldStart: qa's database gets what initdb needs: its
// password from a Secret an ExternalSecret makes from SSM, a data directory
// that is not the volume's root, group ownership of the volume, and only
// on-demand nodes in its zone.
func TestPostgresWouldStart(t *testing.T) {
	_, objs := renderQA(t)
	var sts, secret *object
	for i, o := range objs {
		switch {
		case o.Kind == "StatefulSet" && o.name() == "postgres":
			sts = &objs[i]
		case o.Kind == "ExternalSecret" && o.name() == "postgres-env":
			secret = &objs[i]
		}
	}
	if sts == nil || secret == nil {
		t.Fatalf("StatefulSet %v, ExternalSecret postgres-env %v", sts != nil, secret != nil)
	}
	pod := sts.Spec["template"].(map[string]any)["spec"].(map[string]any)
	c := asJSON(pod["containers"])
	for _, want := range []string{
		`"valueFrom":{"secretKeyRef":{"key":"POSTGRES_PASSWORD","name":"postgres-env"}}`,
		`"mountPath":"/var/lib/postgresql/data","name":"data","subPath":"pgdata"`,
		`"capabilities":{"add":["CHOWN","DAC_OVERRIDE","FOWNER","SETGID","SETUID"],"drop":["ALL"]}`,
	} {
		if !strings.Contains(c, want) {
			t.Errorf("postgres container lacks %s:\n%s", want, c)
		}
	}
	if sc := asJSON(pod["securityContext"]); !strings.Contains(sc, `"fsGroup":999`) {
		t.Errorf("pod security %s lacks fsGroup 999", sc)
	}
	if a := asJSON(pod["affinity"]); !strings.Contains(a, `{"key":"lifecycle","operator":"In","values":["on-demand"]}`) ||
		!strings.Contains(a, `{"key":"topology.kubernetes.io/zone","operator":"In","values":["eu-west-1a"]}`) {
		t.Errorf("postgres may land off on-demand nodes of its zone: %s", a)
	}
	data := asJSON(secret.Spec["data"])
	if data != `[{"remoteRef":{"key":"/qa/postgres/password"},"secretKey":"POSTGRES_PASSWORD"}]` {
		t.Errorf("ExternalSecret data %s", data)
	}
	if pod["serviceAccountName"] != "postgres" {
		t.Errorf("serviceAccountName %v", pod["serviceAccountName"])
	}
}

// TestWorkloadRoleIsItsOwn: prod's catalogue gets an IAM role that only
// EKS Pod Identity may assume, associated with its namespace and
// ServiceAccount, which the apps layer creates; no manifest names a role.
func TestWorkloadRoleIsItsOwn(t *testing.T) {
	res := testutil.CompileExample(t, "prod")
	var tf struct {
		Resource struct {
			Roles        map[string]map[string]any `json:"aws_iam_role"`
			Associations map[string]map[string]any `json:"aws_eks_pod_identity_association"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(res.Files["terraform/prod/workloads.tf.json"], &tf); err != nil {
		t.Fatal(err)
	}
	role, assoc := tf.Resource.Roles["workload_catalogue"], tf.Resource.Associations["workload_catalogue"]
	if !strings.Contains(fmt.Sprint(role["assume_role_policy"]), `"Principal":{"Service":"pods.eks.amazonaws.com"}`) {
		t.Errorf("the role is not for Pod Identity: %v", role["assume_role_policy"])
	}
	if assoc["namespace"] != "prod" || assoc["service_account"] != "catalogue" {
		t.Errorf("association %v, want prod/catalogue", assoc)
	}
	sa := res.Files["kubernetes/overlays/prod/apps/catalogue/catalogue.yaml"]
	if !strings.Contains(string(sa), "kind: ServiceAccount\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: kuberatorc\n    app.kubernetes.io/name: catalogue\n    app.kubernetes.io/part-of: prod\n  name: catalogue\n  namespace: prod\n") {
		t.Errorf("no ServiceAccount catalogue in prod:\n%s", sa)
	}
	for _, p := range res.Files.Paths() {
		if strings.HasPrefix(p, "kubernetes/") && strings.Contains(string(res.Files[p]), "arn:aws:iam::") {
			t.Errorf("%s names an IAM role", p)
		}
	}
}

// TestNamespaceIsIsolated: qa's namespace denies everything by default and
// lets through only DNS, nginx to services with a host, service1 to
// postgres (both directions), and service2's declared egress; the CNI
// enforces NetworkPolicies.
func TestNamespaceIsIsolated(t *testing.T) {
	res, objs := renderQA(t)
	policies := map[string]string{}
	for _, o := range objs {
		if o.Kind == "NetworkPolicy" {
			policies[o.name()] = asJSON(o.Spec)
		}
	}
	for name, want := range map[string]string{
		"default-deny":     `{"podSelector":{},"policyTypes":["Ingress","Egress"]}`,
		"postgres-ingress": `"from":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"service1"}}},{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"migrate"}}}],"ports":[{"port":5432,"protocol":"TCP"}]`,
		"service1-egress":  `"to":[{"podSelector":{"matchLabels":{"app.kubernetes.io/name":"postgres"}}}]`,
		"service1-ingress": `"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"nginx-ingress"}}}]`,
		"service2-egress":  `{"ipBlock":{"cidr":"0.0.0.0/0","except":["10.20.0.0/16","172.20.0.0/16","169.254.0.0/16"]}}`,
		"allow-dns":        `"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}]`,
	} {
		if !strings.Contains(policies[name], want) {
			t.Errorf("NetworkPolicy %s lacks %s:\n%s", name, want, policies[name])
		}
	}
	if _, ok := policies["postgres-egress"]; ok {
		t.Error("postgres may connect out, though it declares nothing")
	}
	if !strings.Contains(string(res.Files["terraform/qa/eks.tf.json"]), `\"enableNetworkPolicy\":\"true\"`) {
		t.Error("the VPC CNI does not enforce NetworkPolicies")
	}
}

// TestEnvFromAndFiles: existing ConfigMaps and Secrets feed the container's
// environment whole, and files arrive one by one from a ConfigMap of ours.
func TestEnvFromAndFiles(t *testing.T) {
	spec, err := os.ReadFile(testutil.ExamplePath("minimal"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(spec) + `
workloads: web: {
	image: "ghcr.io/example/web:1.0.0"
	port:  8080
	resources: {cpu: "100m", memory: "128Mi"}
	envFrom: [{configMap: "web-settings"}, {secret: "web-credentials"}]
	files: {"/etc/web/app.yaml": "a: 1\n", "/etc/web/conf.d/extra.yaml": "b: 2\n"}
}
`
	res, diags, err := compiler.Compile([]load.Source{{Path: "web.cue", Data: []byte(s)}}, compiler.Options{})
	if err != nil || res == nil {
		t.Fatalf("%v %v", err, diags)
	}
	dep := string(res.Files["kubernetes/overlays/minimal/apps/web/web.yaml"])
	cm := dep
	for _, want := range []string{
		"envFrom:\n        - configMapRef:\n            name: web-settings\n        - secretRef:\n            name: web-credentials\n",
		"- mountPath: /etc/web/app.yaml\n          name: files\n          readOnly: true\n          subPath: etc_web_app.yaml\n",
		"volumes:\n      - configMap:\n          name: web-files\n        name: files\n",
	} {
		if !strings.Contains(dep, want) {
			t.Errorf("deployment lacks\n%s\n%s", want, dep)
		}
	}
	if !strings.Contains(cm, "etc_web_conf.d_extra.yaml: |\n    b: 2\n") {
		t.Errorf("ConfigMap:\n%s", cm)
	}
}
