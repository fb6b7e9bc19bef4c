package summary

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/internal/testutil"
)

// readTree reads a golden environment's output as the file set a build
// would produce.
func readTree(t *testing.T, env string) fileset.FileSet {
	t.Helper()
	return testutil.ReadTree(t, filepath.Join(testutil.Root(), "golden", env))
}

// checkGolden compares got with testdata/<name>.txt, or rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name+".txt")
	if testutil.Update() {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run make golden to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; make golden rewrites it):\n%s", file, diff)
	}
}

// replace changes old to new in one file, exactly once.
func replace(t *testing.T, files fileset.FileSet, p, old, new string) {
	t.Helper()
	s := string(files[p])
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want 1", p, old, n)
	}
	files[p] = []byte(strings.Replace(s, old, new, 1))
}

// editJSON changes a Terraform JSON file through its decoded form.
func editJSON(t *testing.T, files fileset.FileSet, p string, edit func(top map[string]any)) {
	t.Helper()
	v, err := decodeJSON(files[p])
	if err != nil {
		t.Fatal(err)
	}
	edit(v.(map[string]any))
	if files[p], err = fileset.JSON(v); err != nil {
		t.Fatal(err)
	}
}

// at walks decoded JSON by map keys.
func at(v any, keys ...string) map[string]any {
	for _, k := range keys {
		v = v.(map[string]any)[k]
	}
	return v.(map[string]any)
}

// remove deletes the files under a prefix, failing when there are none.
func remove(t *testing.T, files fileset.FileSet, prefix string) {
	t.Helper()
	n := 0
	for p := range files {
		if strings.HasPrefix(p, prefix) {
			delete(files, p)
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no files under %s", prefix)
	}
}

const (
	qaNodes     = "terraform/qa/nodes.tf.json"
	qaPolicy    = "newrelic/qa/policy.tf.json"
	qaApps      = "kubernetes/overlays/qa/apps/service1/"
	qaLayerApps = "kubernetes/overlays/qa/apps/"
	qaInfra     = "kubernetes/overlays/qa/infra/"
	service3Doc = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: service3
  namespace: qa
spec:
  ingressClassName: nginx
  rules:
  - host: service3.qa.example.com
    http:
      paths:
      - backend:
          service:
            name: service3
            port:
              number: 8080
        path: /
        pathType: Prefix
`
)

// The brief's scripted changes, one by one: each is a function of the qa
// tree, and the last case applies them all.
var (
	asgMax = func(t *testing.T, f fileset.FileSet) {
		editJSON(t, f, qaNodes, func(top map[string]any) {
			at(top, "resource", "aws_autoscaling_group", "app_eu_west_1a")["max_size"] = 12
		})
	}
	deploymentImage = func(t *testing.T, f fileset.FileSet) {
		replace(t, f, qaApps+"service1.yaml", "service1:1.4.2", "service1:1.4.3")
	}
	ingressAdded = func(t *testing.T, f fileset.FileSet) {
		// A second document in an existing file.
		f[qaApps+"service1.yaml"] = append(f[qaApps+"service1.yaml"], service3Doc...)
	}
	nrqlThreshold = func(t *testing.T, f fileset.FileSet) {
		editJSON(t, f, qaPolicy, func(top map[string]any) {
			at(top, "resource", "newrelic_nrql_alert_condition", "containerRestarts", "critical")["threshold"] = 5
		})
	}
	helmReleaseRemoved = func(t *testing.T, f fileset.FileSet) {
		// As when the add-on leaves the spec: its base and its release go.
		remove(t, f, "kubernetes/base/descheduler/")
		remove(t, f, qaInfra+"helmrelease-descheduler.yaml")
	}
)

func TestScriptedChanges(t *testing.T) {
	qa := readTree(t, "qa")
	for _, tc := range []struct {
		name  string
		edits []func(*testing.T, fileset.FileSet)
	}{
		{"asg-max", []func(*testing.T, fileset.FileSet){asgMax}},
		{"deployment-image", []func(*testing.T, fileset.FileSet){deploymentImage}},
		{"ingress-added", []func(*testing.T, fileset.FileSet){ingressAdded}},
		{"nrql-threshold", []func(*testing.T, fileset.FileSet){nrqlThreshold}},
		{"helmrelease-removed", []func(*testing.T, fileset.FileSet){helmReleaseRemoved}},
		{"scripted", []func(*testing.T, fileset.FileSet){asgMax, deploymentImage, ingressAdded, nrqlThreshold, helmReleaseRemoved}},
		{"terraform-more", []func(*testing.T, fileset.FileSet){terraformMore}},
		{"kubernetes-more", []func(*testing.T, fileset.FileSet){kubernetesMore}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := maps.Clone(qa)
			for _, edit := range tc.edits {
				edit(t, changed)
			}
			got, err := Summarize(qa, changed)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, got)
		})
	}
}

// terraformMore changes what the other Terraform kinds watch, and what none
// does.
func terraformMore(t *testing.T, f fileset.FileSet) {
	editJSON(t, f, "terraform/qa/eks.tf.json", func(top map[string]any) {
		cluster := at(top, "resource", "aws_eks_cluster", "main")
		cluster["version"] = "1.34"
		at(cluster, "vpc_config")["endpoint_public_access"] = false
		coredns := at(top, "resource", "aws_eks_addon", "coredns")
		coredns["configuration_values"] = strings.Replace(coredns["configuration_values"].(string), `"maxReplicas":10`, `"maxReplicas":20`, 1)
	})
	editJSON(t, f, qaNodes, func(top map[string]any) {
		system := at(top, "resource", "aws_autoscaling_group", "system_eu_west_1b")
		system["min_size"], system["desired_capacity"] = 2, 3
		at(top, "resource", "aws_launch_template", "system_eu_west_1b")["instance_type"] = "m7i.large"
		app := at(top, "resource", "aws_autoscaling_group", "app_eu_west_1b")
		at(app, "mixed_instances_policy", "launch_template")["override"] = []any{map[string]any{"instance_type": "m7i.xlarge"}}
		at(app, "mixed_instances_policy", "instances_distribution")["on_demand_percentage_above_base_capacity"] = 0
		locals := at(top, "locals")
		locals["user_data_app_eu_west_1c"] = strings.Replace(locals["user_data_app_eu_west_1c"].(string), "memory: 1Gi", "memory: 2Gi", 1)
	})
	editJSON(t, f, "terraform/qa/network.tf.json", func(top map[string]any) {
		at(top, "resource", "aws_subnet", "private_eu_west_1c")["cidr_block"] = "10.20.96.0/20"
		at(top, "resource", "aws_nat_gateway", "eu_west_1b", "tags")["Name"] = "qa-nat-b"
	})
	editJSON(t, f, "terraform/qa/workloads.tf.json", func(top map[string]any) {
		role := at(top, "resource", "aws_iam_role", "workload_service2")
		role["assume_role_policy"] = strings.Replace(role["assume_role_policy"].(string), `"sts:TagSession"`, `"sts:TagSession","sts:SetSourceIdentity"`, 1)
		delete(at(top, "resource"), "aws_iam_role_policy_attachment")
	})
	editJSON(t, f, "terraform/qa/versions.tf.json", func(top map[string]any) {
		at(top, "terraform", "required_providers", "aws")["version"] = ">= 6.0, < 7.0"
	})
}

// kubernetesMore changes what the other Kubernetes kinds watch, and what
// none does.
func kubernetesMore(t *testing.T, f fileset.FileSet) {
	// A chart version, and a value.
	replace(t, f, qaInfra+"helmrelease-descheduler.yaml", "version: 0.35.1", "version: 0.35.2")
	replace(t, f, qaInfra+"helmrelease-descheduler.yaml", "deschedulingInterval: 5m", "deschedulingInterval: 10m")
	replace(t, f, qaApps+"service1.yaml", "maxReplicas: 6", "maxReplicas: 8")
	replace(t, f, "kubernetes/clusters/qa/kustomization-qa-apps.yaml", "  - name: qa-configs\n", "  - name: qa-configs\n  - name: qa-infra\n")
	replace(t, f, qaApps+"service1.yaml", "    - port: 8080\n      protocol: TCP", "    - port: 8081\n      protocol: TCP")
	replace(t, f, qaApps+"service1.yaml", "host: www.qa.example.com", "host: web.qa.example.com")
	// Resources, an environment variable, a sidecar.
	d := qaApps + "service1.yaml"
	replace(t, f, d, "            cpu: 250m\n", "            cpu: 500m\n")
	replace(t, f, d, "              key: DATABASE_URL\n", "              key: DB_URL\n")
	replace(t, f, d, "      securityContext:\n        seccompProfile:",
		"      - image: envoyproxy/envoy:v1.30.1\n        name: envoy\n      securityContext:\n        seccompProfile:")
	// The team's own manifests join the apps layer.
	replace(t, f, qaLayerApps+"kustomization.yaml", "- networkpolicy-allow-dns.yaml\n", "- networkpolicy-allow-dns.yaml\n- ../../../manifests/qa\n")
	f["kubernetes/overlays/qa/README.md"] = []byte("hand-written\n")
}

// TestEnvironments compares two different environments: names that only
// differ by the environment's are the same object.
func TestEnvironments(t *testing.T) {
	got, err := Summarize(readTree(t, "qa"), readTree(t, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "qa-prod", got)
}

// TestRenamedEnvironment compares qa with the same output for an
// environment called staging: nothing but the name differs, so nothing is
// reported.
func TestRenamedEnvironment(t *testing.T) {
	qa := readTree(t, "qa")
	staging := fileset.FileSet{}
	for p, data := range qa {
		staging[replaceToken(p, "qa", "staging")] = []byte(replaceToken(string(data), "qa", "staging"))
	}
	got, err := Summarize(qa, staging)
	if err != nil {
		t.Fatal(err)
	}
	if got != "" {
		t.Errorf("qa against staging built alike:\n%s", got)
	}

	// A real difference still shows, under staging's names.
	deploymentImage(t, qa)
	got, err = Summarize(qa, staging)
	if err != nil {
		t.Fatal(err)
	}
	want := "Kubernetes (1 change)\n  ~ Deployment staging/service1: image 1.4.3 → 1.4.2\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnchanged(t *testing.T) {
	for _, env := range []string{"qa", "prod", "minimal"} {
		files := readTree(t, env)
		got, err := Summarize(files, maps.Clone(files))
		if err != nil {
			t.Fatal(err)
		}
		if got != "" {
			t.Errorf("%s against itself:\n%s", env, got)
		}
	}
}

// TestNewEnvironment summarises a first build: everything is added.
func TestNewEnvironment(t *testing.T) {
	got, err := Summarize(nil, readTree(t, "minimal"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "minimal-new", got)
}

func TestErrors(t *testing.T) {
	qa, prod := readTree(t, "qa"), readTree(t, "prod")
	both := maps.Clone(qa)
	maps.Copy(both, prod)
	if _, err := Summarize(qa, both); err == nil || !strings.Contains(err.Error(), "several environments (prod, qa)") {
		t.Errorf("two environments in one set: got %v", err)
	}
	bad := maps.Clone(qa)
	bad[qaNodes] = []byte("{")
	if _, err := Summarize(qa, bad); err == nil || !strings.Contains(err.Error(), qaNodes) {
		t.Errorf("broken JSON: got %v", err)
	}
	dup := maps.Clone(qa)
	dup[qaApps+"copy.yaml"] = dup[qaApps+"service1.yaml"]
	if _, err := Summarize(qa, dup); err == nil || !strings.Contains(err.Error(), "is defined twice, in kubernetes/overlays/qa/apps/service1/copy.yaml and kubernetes/overlays/qa/apps/service1/service1.yaml") {
		t.Errorf("an object twice: got %v", err)
	}
}

func TestReplaceToken(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"qa", "X"},
		{"qa-app-eu-west-1a", "X-app-eu-west-1a"},
		{"service1.qa.example.com", "service1.X.example.com"},
		{"qa_slack_webhook", "X_slack_webhook"},
		{"/qa/slack/webhook", "/X/slack/webhook"},
		{"clusterName = 'qa' AND namespaceName = 'qa'", "clusterName = 'X' AND namespaceName = 'X'"},
		{"aqua qa1 qqa", "aqua qa1 qqa"},
		{"kubernetes.io/cluster/qa", "kubernetes.io/cluster/X"},
	} {
		if got := replaceToken(tc.in, "qa", "X"); got != tc.want {
			t.Errorf("replaceToken(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A name with a dash is a Terraform identifier with an underscore.
	n := newNormalizer("eu-qa")
	s := "eu-qa-app eu_qa_slack eu-qa2"
	if got := n.str(s); got != envMark+"-app "+envIdentMark+"_slack eu-qa2" {
		t.Errorf("str(%q) = %q", s, got)
	}
	if got := n.back(n.str(s)); got != s {
		t.Errorf("back(str(%q)) = %q", s, got)
	}
}

func TestShortImages(t *testing.T) {
	for _, tc := range []struct{ a, b, wantA, wantB string }{
		{"ghcr.io/x/y:1.4.2", "ghcr.io/x/y:1.4.3", "1.4.2", "1.4.3"},
		{"ghcr.io/x/y:1", "ghcr.io/x/z:1", "ghcr.io/x/y:1", "ghcr.io/x/z:1"},
		{"registry:5000/y:1", "registry:5000/y:2", "1", "2"},
		{"registry:5000/y", "registry:5000/y:2", "registry:5000/y", "registry:5000/y:2"},
		{"y@sha256:aa", "y@sha256:bb", "sha256:aa", "sha256:bb"},
	} {
		if a, b := shortImages(tc.a, tc.b); a != tc.wantA || b != tc.wantB {
			t.Errorf("shortImages(%q, %q) = %q, %q", tc.a, tc.b, a, b)
		}
	}
}

func TestCovers(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"spec.values", "spec.values.replicas", true},
		{"spec.values", "spec.values", true},
		{"spec.values", "spec.valuesFrom", false},
		{"spec.rules[*].host", "spec.rules[0].host", true},
		{"spec.rules[*].host", "spec.rules[0].http.paths[0].path", false},
		{"a.b[*].c", "a.b[x.y].c.d", true},
		{"spec.containers[app]", "spec.containers[app].image", true},
	} {
		if got := covers(tc.pattern, tc.path); got != tc.want {
			t.Errorf("covers(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}
