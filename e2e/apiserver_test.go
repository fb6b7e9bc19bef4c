//go:build e2e

package e2e

// Submit every object rendered from every example to a real kube-apiserver
// (with etcd, through controller-runtime's envtest) with server-side dry-run
// and strict field validation. This catches what decoding cannot: invalid
// names, selectors that miss their template, enum values, CRD schema errors.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/render"
	"github.com/kuberator/kuberator/internal/testutil"
)

// crds are the CustomResourceDefinitions the rendered objects need, generated
// by controller-gen from the Flux and prometheus-operator API modules.
var crds = []string{
	"helm.toolkit.fluxcd.io_helmreleases.yaml",
	"source.toolkit.fluxcd.io_helmrepositories.yaml",
	"source.toolkit.fluxcd.io_gitrepositories.yaml",
	"kustomize.toolkit.fluxcd.io_kustomizations.yaml",
	"monitoring.coreos.com_prometheusrules.yaml",
	"monitoring.coreos.com_alertmanagerconfigs.yaml",
	"monitoring.coreos.com_servicemonitors.yaml",
	"monitoring.coreos.com_podmonitors.yaml",
}

// committedCRDs are CRDs kept in testdata because no Go module here provides
// them (see testdata/crds/README.md).
var committedCRDs = []string{
	"testdata/crds/external-secrets.io_clustersecretstores.yaml",
	"testdata/crds/external-secrets.io_externalsecrets.yaml",
}

// startAPIServer runs kube-apiserver and etcd for one test and checks that
// the server is of the cluster's Kubernetes minor version (e.g. "1.33"), so
// that the dry-run judges objects by the API the cluster will serve.
func startAPIServer(t *testing.T, clusterVersion string) client.Client {
	t.Helper()
	var paths []string
	for _, c := range crds {
		paths = append(paths, filepath.Join(os.Getenv("KUBERATOR_E2E_CRDS"), c))
	}
	_, _, c := startEnvironment(t, clusterVersion, append(paths, committedCRDs...))
	return c
}

// startEnvironment runs kube-apiserver and etcd with the given CRDs.
func startEnvironment(t *testing.T, clusterVersion string, crdPaths []string) (*envtest.Environment, *rest.Config, client.Client) {
	t.Helper()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	for _, f := range []string{filepath.Join(assets, "kube-apiserver"), filepath.Join(assets, "etcd")} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is missing: run make e2e, which builds kube-apiserver and links etcd into KUBEBUILDER_ASSETS", f)
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: crdPaths, ErrorIfPathMissing: true},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the API server: %v", err)
		}
	})
	info, err := discovery.NewDiscoveryClientForConfigOrDie(cfg).ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Major + "." + info.Minor; got != clusterVersion {
		t.Fatalf("the API server is Kubernetes %s (%s), the cluster runs %s: set KUBE_VERSION for e2e/tools/build-kube-apiserver.sh", got, info.GitVersion, clusterVersion)
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return env, cfg, c
}

// objects are an example's rendered overlay plus its Flux cluster directory.
func objects(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	res := testutil.CompileExample(t, name)
	out, err := render.Build(res.Files, name)
	if err != nil {
		t.Fatal(err)
	}
	streams := [][]byte{out}
	for _, p := range res.Files.Paths() {
		if strings.HasPrefix(p, layout.ClustersDir+"/") {
			streams = append(streams, res.Files[p])
		}
	}
	var objs []*unstructured.Unstructured
	for _, stream := range streams {
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(doc, &u.Object); err != nil {
				t.Fatal(err)
			}
			objs = append(objs, u)
		}
	}
	return objs
}

// dryRun submits an object as kubectl apply --dry-run=server
// --validate=strict would.
func dryRun(ctx context.Context, c client.Client, u *unstructured.Unstructured) error {
	return c.Create(ctx, u.DeepCopy(), client.DryRunAll, client.FieldValidation("Strict"))
}

// ensureNamespaces creates, for real, every namespace the objects live in.
func ensureNamespaces(t *testing.T, ctx context.Context, c client.Client, objs []*unstructured.Unstructured) {
	t.Helper()
	seen := map[string]bool{}
	for _, u := range objs {
		ns := u.GetNamespace()
		if u.GetKind() == "Namespace" {
			ns = u.GetName()
		}
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		n := &unstructured.Unstructured{}
		n.SetAPIVersion("v1")
		n.SetKind("Namespace")
		n.SetName(ns)
		if err := c.Create(ctx, n); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("creating namespace %s: %v", ns, err)
		}
	}
}

func TestDryRunAgainstAPIServer(t *testing.T) {
	ctx := context.Background()
	for _, name := range testutil.Examples {
		t.Run(name, func(t *testing.T) {
			// A server of its own: examples share namespace names, and envtest
			// has no controller that would finish deleting a namespace.
			env := testutil.CompileExample(t, name).Env
			c := startAPIServer(t, env.Cluster.Version)
			objs := objects(t, name)
			if len(objs) == 0 && len(env.Addons)+len(env.Workloads) > 0 {
				t.Fatalf("%s has add-ons or workloads but renders no objects", name)
			}
			// Namespaces are dry-run like the rest, then created for real so
			// that what lives in them can be dry-run too.
			var namespaces, rest []*unstructured.Unstructured
			for _, u := range objs {
				if u.GetKind() == "Namespace" {
					namespaces = append(namespaces, u)
				} else {
					rest = append(rest, u)
				}
			}
			accepted := 0
			submit := func(list []*unstructured.Unstructured) {
				for _, u := range list {
					if err := dryRun(ctx, c, u); err != nil {
						t.Errorf("%s %s/%s is rejected: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
					} else {
						accepted++
					}
				}
			}
			submit(namespaces)
			ensureNamespaces(t, ctx, c, objs)
			submit(rest)
			t.Logf("%d of %d objects accepted", accepted, len(objs))
		})
	}

	// The check can fail: mutated objects are rejected with the server's reason.
	c := startAPIServer(t, testutil.CompileExample(t, "qa").Env.Cluster.Version)
	qa := objects(t, "qa")
	ensureNamespaces(t, ctx, c, qa)
	find := func(kind, name string) *unstructured.Unstructured {
		for _, u := range qa {
			if u.GetKind() == kind && u.GetName() == name {
				return u.DeepCopy()
			}
		}
		t.Fatalf("qa renders no %s %s", kind, name)
		return nil
	}
	badName := find("Deployment", "service1")
	badName.SetName("Service_1")
	badSelector := find("Deployment", "service1")
	if err := unstructured.SetNestedStringMap(badSelector.Object, map[string]string{"app.kubernetes.io/name": "other"}, "spec", "selector", "matchLabels"); err != nil {
		t.Fatal(err)
	}
	badInterval := find("Kustomization", "qa-infra")
	if err := unstructured.SetNestedField(badInterval.Object, "5 minutes", "spec", "interval"); err != nil {
		t.Fatal(err)
	}
	unknownField := find("HelmRelease", "external-dns")
	if err := unstructured.SetNestedField(unknownField.Object, true, "spec", "prune"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		obj  *unstructured.Unstructured
		want string
	}{
		{"invalid name", badName, "a lowercase RFC 1123 subdomain"},
		{"selector that misses its template", badSelector, "`selector` does not match template `labels`"},
		{"bad Flux interval", badInterval, "spec.interval"},
		{"unknown field in a Flux object", unknownField, `unknown field "spec.prune"`},
	} {
		err := dryRun(ctx, c, tc.obj)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a rejection mentioning %q", tc.name, err, tc.want)
		} else {
			t.Logf("%s rejected: %v", tc.name, err)
		}
	}
}
