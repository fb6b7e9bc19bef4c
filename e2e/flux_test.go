//go:build e2e

package e2e

// The GitOps wiring proved by the real Flux controllers: source-controller
// and kustomize-controller, built from their Go modules, reconcile the
// generated tree from a git repository on loopback against a real
// kube-apiserver. No chart repository is reachable here, so HelmReleases
// cannot install: the test plays helm-controller's part (it installs the
// CRDs a chart would bring, then marks the HelmRelease Ready through the
// status subresource) and, with no kube-controller-manager, the workload
// controllers' part (it marks Deployments, StatefulSets and
// PodDisruptionBudgets as rolled out). With no AWS account to read SSM
// from, it also plays the External Secrets Operator: it marks every
// ExternalSecret synced but one of qa's, which it leaves failing, as a
// missing SSM parameter would. Everything else is Flux's own doing.

import (
	"context"
	"fmt"
	"net"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/internal/testutil"
)

// The tests log what matters themselves; envtest's own logging would warn,
// with a stack, that no logger was set.
func init() { ctrllog.SetLogger(logr.Discard()) }

// fluxCRDs are what `flux bootstrap` installs before anything of ours: every
// CRD of the helm, kustomize and source APIs (the controllers watch them all).
var fluxCRDs = []string{
	"helm.toolkit.fluxcd.io_helmreleases.yaml",
	"kustomize.toolkit.fluxcd.io_kustomizations.yaml",
	"source.toolkit.fluxcd.io_buckets.yaml",
	"source.toolkit.fluxcd.io_externalartifacts.yaml",
	"source.toolkit.fluxcd.io_gitrepositories.yaml",
	"source.toolkit.fluxcd.io_helmcharts.yaml",
	"source.toolkit.fluxcd.io_helmrepositories.yaml",
	"source.toolkit.fluxcd.io_ocirepositories.yaml",
}

// chartCRDs are the CRDs each chart brings, which the stand-in for
// helm-controller installs when it "installs" the chart.
func chartCRDs(crdDir string) map[string][]string {
	return map[string][]string{
		"kube-prometheus-stack": {
			filepath.Join(crdDir, "monitoring.coreos.com_prometheusrules.yaml"),
			filepath.Join(crdDir, "monitoring.coreos.com_alertmanagerconfigs.yaml"),
			filepath.Join(crdDir, "monitoring.coreos.com_servicemonitors.yaml"),
			filepath.Join(crdDir, "monitoring.coreos.com_podmonitors.yaml"),
		},
		"external-secrets": committedCRDs,
	}
}

// sourceLabel selects the GitRepository source-controller reconciles: the
// HelmRepositories point at chart repositories that cannot be reached here.
const sourceLabel = "kuberator.e2e/source"

func TestFluxReconcilesTheLayers(t *testing.T) {
	for _, name := range []string{"qa", "prod"} {
		t.Run(name, func(t *testing.T) { reconcile(t, name) })
	}
}

func reconcile(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res := testutil.CompileExample(t, name)
	repo := newRepository(t)
	repo.commit(t, res, "build "+name)

	env, cfg, c := startFluxAPIServer(t, res.Env.Cluster.Version)
	installed := &crdLog{at: map[string]time.Time{}}
	// One workload's secret is missing: qa's service2 reads PARTNER_TOKEN
	// from an SSM parameter nobody created.
	missing := map[string]string{"qa": "service2"}[name]
	// The player stops with ctx; the test waits for it, so that it never
	// reports into a test that has ended.
	var player sync.WaitGroup
	player.Go(func() {
		playControllers(ctx, t, cfg, c, chartCRDs(os.Getenv("KUBERATOR_E2E_CRDS")), installed, plan.WorkloadSecret(missing))
	})
	defer player.Wait()
	defer cancel()
	kubeconfig := writeKubeconfig(t, env)
	bins := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"))
	source := startController(t, filepath.Join(bins, "source-controller"), kubeconfig,
		"--storage-path="+t.TempDir(), "--storage-addr="+freeAddr(t), "--watch-label-selector="+sourceLabel+"=git")
	// source-controller serves artifacts where it listens.
	source.args = append(source.args, "--storage-adv-addr="+source.flag("--storage-addr"))
	source.start(t)
	kustomize := startController(t, filepath.Join(bins, "kustomize-controller"), kubeconfig, "--requeue-dependency=3s")
	kustomize.start(t)
	dumpOnFailure(t, c, source, kustomize)

	// What `flux bootstrap` leaves behind: its namespace and the GitRepository
	// the layers name as their source.
	apply(t, c, object("v1", "Namespace", "", k8s.FluxNamespace, nil))
	git := object("source.toolkit.fluxcd.io/v1", "GitRepository", k8s.FluxNamespace, k8s.FluxSource,
		map[string]any{"interval": "1m", "url": repo.url, "ref": map[string]any{"branch": "main"}})
	git.SetLabels(map[string]string{sourceLabel: "git"})
	apply(t, c, git)
	// Then bootstrap's own Kustomization applies kubernetes/clusters/<env>,
	// pruning a Kustomization the directory no longer holds.
	apply(t, c, object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", k8s.FluxNamespace, "flux-system", map[string]any{
		"interval": "1m", "prune": true, "path": layout.RepoPath(res.Env.GitOps.Root, layout.Cluster(name)),
		"sourceRef": map[string]any{"kind": "GitRepository", "name": k8s.FluxSource},
	}))

	// Every Kustomization, the layers and each workload's, becomes Ready
	// after the one it depends on; but the workload whose secret is missing,
	// which holds up no other.
	units := slices.DeleteFunc(layout.UnitsOf(res.Files, name), func(u layout.Unit) bool {
		return missing != "" && u.Name == plan.AppName(name, missing)
	})
	ready := waitReady(ctx, t, c, units, source, kustomize)
	if missing != "" {
		held := get(t, c, "Kustomization/"+k8s.FluxNamespace+"/"+plan.AppName(name, missing))
		if status, msg := condition(held, "Ready"); status == "True" {
			t.Errorf("%s is Ready, though its ExternalSecret never synced (%s)", plan.AppName(name, missing), msg)
		}
		if len(units) != len(layout.UnitsOf(res.Files, name))-1 {
			t.Fatalf("no Kustomization of workload %s", missing)
		}
	}
	for _, u := range units {
		if u.DependsOn != "" && !ready[u.DependsOn].Before(ready[u.Name]) {
			t.Errorf("%s became Ready at %s, not after %s (%s)", u.Name, ready[u.Name].Format(time.RFC3339Nano), u.DependsOn, ready[u.DependsOn].Format(time.RFC3339Nano))
		}
	}
	// The configs layer applied only once the charts of the infra layer had
	// brought its CRDs.
	configs := ready[plan.LayerName(name, layout.Configs)]
	for _, crd := range installed.names() {
		if !installed.time(crd).Before(configs) {
			t.Errorf("CRD %s was installed after the configs layer became Ready", crd)
		}
	}
	t.Logf("layers Ready: infra %s, configs %s, apps %s", ready[plan.LayerName(name, layout.Infra)].Format(time.StampMilli),
		configs.Format(time.StampMilli), ready[plan.LayerName(name, layout.Apps)].Format(time.StampMilli))
	want := map[string]string{"qa": "Deployment/qa/service1", "prod": "PrometheusRule/prod/prod-alerts"}[name]
	if !exists(t, c, want) || !exists(t, c, "ExternalSecret/newrelic/newrelic-license") {
		t.Errorf("%s or the license ExternalSecret was not applied", want)
	}

	if name != "qa" {
		return
	}
	// A workload removed from the spec is pruned after a rebuild and a commit.
	spec, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(spec), "\tservice2: {")
	end := start + strings.Index(string(spec[start:]), "\n\t}\n") + len("\n\t}\n")
	if start < 0 || end < start {
		t.Fatal("examples/qa.cue has no service2 to remove")
	}
	res = compileText(t, string(spec[:start])+string(spec[end:]))
	repo.commit(t, res, "drop service2")
	if !exists(t, c, "Deployment/qa/service2") {
		t.Fatal("service2 was never applied, so its pruning proves nothing")
	}
	// Ask for the new commit now rather than at the next interval, as a
	// webhook receiver would.
	git = get(t, c, "GitRepository/"+k8s.FluxNamespace+"/"+k8s.FluxSource)
	git.SetAnnotations(map[string]string{"reconcile.fluxcd.io/requestedAt": time.Now().Format(time.RFC3339Nano)})
	if err := c.Update(ctx, git); err != nil {
		t.Fatal(err)
	}
	// Bootstrap's Kustomization prunes service2's Kustomization, whose
	// deletion prunes what it applied.
	for exists(t, c, "Deployment/qa/service2") || exists(t, c, "Kustomization/"+k8s.FluxNamespace+"/"+plan.AppName("qa", "service2")) {
		if ctx.Err() != nil {
			t.Fatal("service2 was not pruned after it left the spec")
		}
		time.Sleep(time.Second)
	}
	if !exists(t, c, "Deployment/qa/service1") {
		t.Error("pruning service2 took service1 with it")
	}
}

// repository is a git repository served over smart HTTP on loopback by
// git's own http-backend, as a Git host would serve the platform repository.
type repository struct {
	work, url string
}

func newRepository(t *testing.T) *repository {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is missing: the Flux e2e serves the generated tree from a git repository")
	}
	root := t.TempDir()
	r := &repository{work: filepath.Join(root, "work")}
	run(t, root, gitBin, "init", "-q", "--bare", "-b", "main", "platform.git")
	run(t, root, gitBin, "init", "-q", "-b", "main", "work")
	srv := httptest.NewServer(&cgi.Handler{Path: gitBin, Args: []string{"http-backend"},
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}})
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/platform.git"
	return r
}

// commit replaces the repository's tree with a build's output, placed where
// the spec's gitops.root says the output sits, and pushes it.
func (r *repository) commit(t *testing.T, res *compiler.Result, message string) {
	t.Helper()
	out := filepath.Join(r.work, filepath.FromSlash(res.Env.GitOps.Root))
	if err := os.RemoveAll(filepath.Join(out, "kubernetes")); err != nil {
		t.Fatal(err)
	}
	if err := writeFiles(out, res.Files); err != nil {
		t.Fatal(err)
	}
	run(t, r.work, "git", "add", "-A")
	run(t, r.work, "git", "-c", "user.name=kuberator", "-c", "user.email=e2e@kuberator.invalid", "commit", "-q", "-m", message)
	run(t, r.work, "git", "push", "-q", filepath.Join(filepath.Dir(r.work), "platform.git"), "main")
}

func writeFiles(dir string, files fileset.FileSet) error {
	for _, p := range files.Paths() {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func compileText(t *testing.T, spec string) *compiler.Result {
	t.Helper()
	res, diags, err := compiler.Compile([]load.Source{{Path: "qa.cue", Data: []byte(spec)}}, compiler.Options{})
	if err != nil || res == nil {
		t.Fatalf("the edited spec does not compile: %v\n%v", err, diags)
	}
	return res
}

// startFluxAPIServer runs kube-apiserver with only Flux's CRDs, as a cluster
// is right after `flux bootstrap`.
func startFluxAPIServer(t *testing.T, version string) (*envtest.Environment, *rest.Config, client.Client) {
	t.Helper()
	var paths []string
	for _, c := range fluxCRDs {
		paths = append(paths, filepath.Join(os.Getenv("KUBERATOR_E2E_CRDS"), c))
	}
	return startEnvironment(t, version, paths)
}

func writeKubeconfig(t *testing.T, env *envtest.Environment) string {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: "flux", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// controller is one Flux controller process.
type controller struct {
	bin, kubeconfig string
	args            []string
	log             string
	cmd             *exec.Cmd
	exited          chan struct{} // closed when the process ends
}

func startController(t *testing.T, bin, kubeconfig string, args ...string) *controller {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run make e2e, which builds the Flux controllers into KUBEBUILDER_ASSETS", bin)
	}
	return &controller{bin: bin, kubeconfig: kubeconfig, log: filepath.Join(t.TempDir(), filepath.Base(bin)+".log"), args: append([]string{
		"--enable-leader-election=false", "--log-level=debug",
	}, args...)}
}

func (c *controller) flag(name string) string {
	for _, a := range c.args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// start runs the controller on free metrics and health ports, picked just
// before it starts. A free port can still be taken by another process
// before the controller binds it; a start that fails on that is retried on
// new ports, and only on that.
func (c *controller) start(t *testing.T) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		log, err := os.Create(c.log)
		if err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--metrics-addr=" + freeAddr(t), "--health-addr=" + freeAddr(t)}, c.args...)
		c.cmd = exec.Command(c.bin, args...)
		c.cmd.Env = append(os.Environ(), "RUNTIME_NAMESPACE="+k8s.FluxNamespace, "KUBECONFIG="+c.kubeconfig)
		c.cmd.Stdout, c.cmd.Stderr = log, log
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(exited) }()
		select {
		case <-exited:
			out, _ := os.ReadFile(c.log)
			log.Close()
			if attempt < 3 && strings.Contains(string(out), "address already in use") {
				continue
			}
		case <-time.After(3 * time.Second):
		}
		c.exited = exited
		cmd := c.cmd
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
			log.Close()
		})
		return
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitReady returns when each Kustomization became Ready, as this test saw
// it: all are watched at once, so a time is never that of a late look.
func waitReady(ctx context.Context, t *testing.T, c client.Client, units []layout.Unit, ctrls ...*controller) map[string]time.Time {
	t.Helper()
	ready := map[string]time.Time{}
	for len(ready) < len(units) {
		for _, u := range units {
			if _, ok := ready[u.Name]; ok {
				continue
			}
			obj, err := lookup(c, "Kustomization/"+k8s.FluxNamespace+"/"+u.Name)
			if err != nil {
				continue // bootstrap's Kustomization has not applied it yet
			}
			if status, _ := condition(obj, "Ready"); status == "True" {
				ready[u.Name] = time.Now()
			}
		}
		for _, ctrl := range ctrls {
			select {
			case <-ctrl.exited:
				t.Fatalf("%s exited", filepath.Base(ctrl.bin))
			default:
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the Kustomizations did not all become Ready: %v", ready)
		case <-time.After(250 * time.Millisecond):
		}
	}
	return ready
}

func condition(u *unstructured.Unstructured, kind string) (status, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m := c.(map[string]any)
		if m["type"] == kind {
			return fmt.Sprint(m["status"]), fmt.Sprint(m["reason"], ": ", m["message"])
		}
	}
	return "", ""
}

// dumpOnFailure prints every Kustomization's conditions and the controllers'
// logs when the test fails, so a stuck rollout says why.
func dumpOnFailure(t *testing.T, c client.Client, ctrls ...*controller) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(schema.GroupVersionKind{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Kind: "KustomizationList"})
		if err := c.List(context.Background(), list); err == nil {
			for _, u := range list.Items {
				s, m := condition(&u, "Ready")
				t.Logf("Kustomization %s: Ready=%s %s", u.GetName(), s, m)
			}
		}
		for _, ctrl := range ctrls {
			data, _ := os.ReadFile(ctrl.log)
			if len(data) > 20000 {
				data = data[len(data)-20000:]
			}
			t.Logf("--- %s (last lines)\n%s", filepath.Base(ctrl.bin), data)
		}
	})
}

var kinds = map[string]schema.GroupVersionKind{
	"Namespace":           {Version: "v1", Kind: "Namespace"},
	"Deployment":          {Group: "apps", Version: "v1", Kind: "Deployment"},
	"StatefulSet":         {Group: "apps", Version: "v1", Kind: "StatefulSet"},
	"PodDisruptionBudget": {Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
	"Job":                 {Group: "batch", Version: "v1", Kind: "Job"},
	"GitRepository":       {Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "GitRepository"},
	"HelmRepository":      {Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "HelmRepository"},
	"HelmRelease":         {Group: "helm.toolkit.fluxcd.io", Version: "v2", Kind: "HelmRelease"},
	"Kustomization":       {Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Kind: "Kustomization"},
	"PrometheusRule":      {Group: "monitoring.coreos.com", Version: "v1", Kind: "PrometheusRule"},
	"ExternalSecret":      {Group: "external-secrets.io", Version: "v1", Kind: "ExternalSecret"},
}

// get reads "Kind/namespace/name" (or "Kind/name").
func get(t *testing.T, c client.Client, ref string) *unstructured.Unstructured {
	t.Helper()
	u, err := lookup(c, ref)
	if err != nil {
		t.Fatalf("reading %s: %v", ref, err)
	}
	return u
}

func exists(t *testing.T, c client.Client, ref string) bool {
	t.Helper()
	_, err := lookup(c, ref)
	switch {
	case err == nil:
		return true
	case apierrors.IsNotFound(err), strings.Contains(err.Error(), "no matches for kind"):
		return false
	}
	t.Fatalf("reading %s: %v", ref, err)
	return false
}

func lookup(c client.Client, ref string) (*unstructured.Unstructured, error) {
	parts := strings.Split(ref, "/")
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(kinds[parts[0]])
	key := client.ObjectKey{Name: parts[len(parts)-1]}
	if len(parts) == 3 {
		key.Namespace = parts[1]
	}
	return u, c.Get(context.Background(), key, u)
}

func object(apiVersion, kind, namespace, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind}}
	u.SetName(name)
	u.SetNamespace(namespace)
	if spec != nil {
		u.Object["spec"] = spec
	}
	return u
}

func apply(t *testing.T, c client.Client, u *unstructured.Unstructured) {
	t.Helper()
	if err := c.Create(context.Background(), u); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

// crdLog records when the stand-in for helm-controller installed each CRD.
type crdLog struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (l *crdLog) names() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for n := range l.at {
		out = append(out, n)
	}
	return out
}

func (l *crdLog) time(name string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at[name]
}

// playControllers stands in for what cannot run here: helm-controller
// (charts cannot be fetched), kube-controller-manager (envtest runs none)
// and the External Secrets Operator (no SSM to read). Until ctx ends it
// installs the CRDs of every HelmRelease's chart and marks the release and
// its HelmRepository Ready, marks workloads rolled out, and marks every
// ExternalSecret synced but the one named missing, which it marks failed,
// through the status subresource as the real controllers would.
func playControllers(ctx context.Context, t *testing.T, cfg *rest.Config, c client.Client, crds map[string][]string, installed *crdLog, missing string) {
	for ctx.Err() == nil {
		for _, u := range list(ctx, c, "HelmRelease") {
			chart, _, _ := unstructured.NestedString(u.Object, "spec", "chart", "spec", "chart")
			for _, path := range crds[chart] {
				if installed.time(path).IsZero() {
					if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{path}, ErrorIfPathMissing: true}); err != nil {
						t.Errorf("installing %s for %s: %v", path, chart, err)
						continue
					}
					installed.mu.Lock()
					installed.at[path] = time.Now()
					installed.mu.Unlock()
				}
			}
			markReady(ctx, c, &u, "InstallSucceeded", nil)
		}
		for _, u := range list(ctx, c, "HelmRepository") {
			markReady(ctx, c, &u, "Succeeded", nil)
		}
		for _, u := range list(ctx, c, "ExternalSecret") {
			if u.GetName() == missing {
				markFailed(ctx, c, &u, "SecretSyncedError", "could not get secret data from provider: ParameterNotFound")
				continue
			}
			markReady(ctx, c, &u, "SecretSynced", nil)
		}
		for _, kind := range []string{"Deployment", "StatefulSet", "PodDisruptionBudget", "Job"} {
			for _, u := range list(ctx, c, kind) {
				rollOut(ctx, c, &u)
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func list(ctx context.Context, c client.Client, kind string) []unstructured.Unstructured {
	l := &unstructured.UnstructuredList{}
	gvk := kinds[kind]
	gvk.Kind += "List"
	l.SetGroupVersionKind(gvk)
	if err := c.List(ctx, l); err != nil {
		return nil
	}
	return l.Items
}

func markReady(ctx context.Context, c client.Client, u *unstructured.Unstructured, reason string, extra map[string]any) {
	if status, _ := condition(u, "Ready"); status == "True" {
		if g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); g == u.GetGeneration() {
			return
		}
	}
	status := map[string]any{
		"observedGeneration": u.GetGeneration(),
		"conditions": []any{map[string]any{
			"type": "Ready", "status": "True", "reason": reason, "message": "played by the e2e test",
			"observedGeneration": u.GetGeneration(), "lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}},
	}
	for k, v := range extra {
		status[k] = v
	}
	u.Object["status"] = status
	_ = c.Status().Update(ctx, u)
}

// markFailed reports an object not Ready, as its controller would.
func markFailed(ctx context.Context, c client.Client, u *unstructured.Unstructured, reason, message string) {
	if status, _ := condition(u, "Ready"); status == "False" {
		return
	}
	u.Object["status"] = map[string]any{
		"conditions": []any{map[string]any{
			"type": "Ready", "status": "False", "reason": reason, "message": message + " (played by the e2e test)",
			"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}},
	}
	_ = c.Status().Update(ctx, u)
}

// rollOut reports a workload as fully rolled out, as its controller would
// once its pods ran.
func rollOut(ctx context.Context, c client.Client, u *unstructured.Unstructured) {
	gen := u.GetGeneration()
	if g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); g == gen {
		return
	}
	replicas, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if !found {
		replicas = 1
	}
	var status map[string]any
	switch u.GetKind() {
	case "Deployment":
		status = map[string]any{"observedGeneration": gen, "replicas": replicas, "updatedReplicas": replicas,
			"readyReplicas": replicas, "availableReplicas": replicas, "conditions": []any{
				map[string]any{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
				map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
			}}
	case "StatefulSet":
		status = map[string]any{"observedGeneration": gen, "replicas": replicas, "readyReplicas": replicas, "currentReplicas": replicas,
			"updatedReplicas": replicas, "availableReplicas": replicas, "currentRevision": "r1", "updateRevision": "r1"}
	case "Job":
		// A Job the API server will take as complete: it ran and met its
		// success criteria (the API checks their order).
		if _, done, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "completionTime"); done {
			return
		}
		now := time.Now().UTC().Format(time.RFC3339)
		status = map[string]any{"startTime": now, "completionTime": now, "succeeded": int64(1), "active": int64(0), "ready": int64(0),
			"terminating": int64(0), "uncountedTerminatedPods": map[string]any{}, "conditions": []any{
				map[string]any{"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "lastTransitionTime": now},
				map[string]any{"type": "Complete", "status": "True", "reason": "CompletionsReached", "lastTransitionTime": now},
			}}
	case "PodDisruptionBudget":
		status = map[string]any{"observedGeneration": gen, "currentHealthy": int64(2), "desiredHealthy": int64(1),
			"disruptionsAllowed": int64(1), "expectedPods": int64(2)}
	}
	u.Object["status"] = status
	_ = c.Status().Update(ctx, u)
}
