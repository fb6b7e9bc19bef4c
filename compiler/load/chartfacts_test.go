package load

// The add-on catalog rests on facts about upstream charts: that the pinned
// version exists and that every values path the catalog sets is one the chart
// reads. Those facts were read from each chart's source at the pinned version
// and are kept in stdlib/testdata (see its README for where each came from);
// CI never reaches a chart repository.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// chartFacts is one file of stdlib/testdata/charts.
type chartFacts struct {
	Chart         string            `json:"chart"`
	Version       string            `json:"version"`
	Values        map[string]any    `json:"values"`
	OpenMaps      []string          `json:"openMaps"`
	TemplatePaths map[string]string `json:"templatePaths"`
	// KubeVersion is the Chart.yaml constraint at the version, Tested the
	// range upstream says it tested the release on, with where it says so.
	KubeVersion string             `json:"kubeVersion"`
	Tested      *model.TestedRange `json:"tested"`
	// PodSecurity is the strictest Pod Security level the chart's pods
	// pass, with the values that show it.
	PodSecurity *struct {
		Level  string `json:"level"`
		Source string `json:"source"`
	} `json:"podSecurity"`
	// ScraperPods are the labels of the pods that scrape metrics.
	ScraperPods *struct {
		Labels map[string]string `json:"labels"`
		Source string            `json:"source"`
	} `json:"scraperPods"`
	// Ports are the pods' ports the add-on's NetworkPolicy opens: Open to
	// every source (the ingress controller's traffic), Query to the
	// add-ons that read Prometheus.
	Ports *struct {
		Open   []int         `json:"open"`
		Query  int           `json:"query"`
		UI     *model.UIPods `json:"ui"`
		Source string        `json:"source"`
	} `json:"ports"`
	// ByKubernetesMinor are the newer releases the catalog picks for some
	// minors of an add-on that otherwise takes Version, each read the same
	// way: its Chart.yaml, the values paths the catalog sets, and the range
	// upstream tested it on.
	ByKubernetesMinor map[string]struct {
		Version     string             `json:"version"`
		KubeVersion string             `json:"kubeVersion"`
		Tested      *model.TestedRange `json:"tested"`
		ValuesPaths []string           `json:"valuesPaths"`
		Source      string             `json:"source"`
	} `json:"byKubernetesMinor"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func testCatalog(t *testing.T) *model.Catalog {
	t.Helper()
	lib, err := buildEmbedded(cuecontext.New())
	if err != nil {
		t.Fatal(err)
	}
	return catalogOf(lib, &model.Environment{})
}

// has says whether the chart reads a values path: a key of its values.yaml,
// one its templates read, or one below a map whose keys are free-form.
func (f *chartFacts) has(p string) bool {
	if _, ok := f.Values[p]; ok {
		return true
	}
	if _, ok := f.TemplatePaths[p]; ok {
		return true
	}
	for _, open := range f.OpenMaps {
		if p == open || strings.HasPrefix(p, open+".") {
			return true
		}
	}
	// Below a leaf whose default is an empty map: free-form too.
	for k, v := range f.Values {
		if m, ok := v.(map[string]any); ok && len(m) == 0 && strings.HasPrefix(p, k+".") {
			return true
		}
	}
	return false
}

// leaves flattens values into the dotted paths of their leaves, quoting keys
// that hold a dot as the facts files do.
func leaves(prefix string, v any, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		*out = append(*out, prefix)
		return
	}
	for k, x := range m {
		if strings.Contains(k, ".") {
			k = `"` + k + `"`
		}
		leaves(join(prefix, k), x, out)
	}
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// setPaths lists every values path the catalog sets for an add-on.
func setPaths(c *model.CatalogAddon) []string {
	var out []string
	leaves("", c.Values, &out)
	leaves("", c.EnvValues, &out)
	for _, pin := range c.ByKubernetesMinor {
		leaves("", pin.Values, &out)
	}
	for _, p := range c.Placement {
		out = append(out, join(p, "affinity"), join(p, "tolerations"))
	}
	for _, p := range c.TolerationsOnly {
		out = append(out, join(p, "tolerations"))
	}
	if c.Replicas != "" {
		out = append(out, c.Replicas)
	}
	for _, pods := range c.Pods {
		out = append(out, pods.Replicas)
	}
	slices.Sort(out)
	return slices.Compact(slices.DeleteFunc(out, func(s string) bool { return s == "" }))
}

// TestMinorPinsMatchChartFacts: where an add-on with a tested range picks
// a newer release for a minor, the release is one read from upstream,
// tested on that minor, admitting it, and reading every values path the
// catalog sets. (The facts list the paths read as well, such as the
// requests the disruption arithmetic takes from resources.operator.)
func TestMinorPinsMatchChartFacts(t *testing.T) {
	cat := testCatalog(t)
	for _, name := range model.SortedKeys(cat.Addons) {
		c := cat.Addons[name]
		if c.Tested == nil || len(c.ByKubernetesMinor) == 0 {
			continue // a pin per minor by design: its own tests (autoscaler image) cover it
		}
		var f chartFacts
		readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "charts", c.Chart+".json"), &f)
		for _, minor := range model.SortedKeys(c.ByKubernetesMinor) {
			pin, fact := c.ByKubernetesMinor[minor], f.ByKubernetesMinor[minor]
			switch {
			case fact.Version == "" || fact.Version != pin.Version:
				t.Errorf("%s: the catalog picks %s for %s, the chart facts read %q", name, pin.Version, minor, fact.Version)
			case fact.Tested == nil || minorNumber(t, fact.Tested.From) > minorNumber(t, minor) || minorNumber(t, fact.Tested.To) < minorNumber(t, minor):
				t.Errorf("%s %s: upstream tested it on %+v, not on %s", name, pin.Version, fact.Tested, minor)
			}
			for _, p := range setPaths(c) {
				if !slices.Contains(fact.ValuesPaths, p) {
					t.Errorf("%s %s: the facts do not show values path %s, which the catalog sets", name, pin.Version, p)
				}
			}
			if ok, err := plan.AdmitsKubernetes(fact.KubeVersion, minor); err != nil || !ok {
				t.Errorf("%s %s: kubeVersion %q does not admit %s: %v", name, pin.Version, fact.KubeVersion, minor, err)
			}
		}
	}
}

// minorNumber is N of a Kubernetes minor 1.N: "1.9" is before "1.10".
func minorNumber(t *testing.T, minor string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(minor, "1."))
	if err != nil {
		t.Fatalf("not a Kubernetes minor: %q", minor)
	}
	return n
}

func TestCatalogMatchesChartFacts(t *testing.T) {
	cat := testCatalog(t)
	entries := map[string]*model.CatalogAddon{"ingress-nginx": cat.IngressNginx}
	for name, c := range cat.Addons {
		entries[name] = c
	}
	for _, name := range model.SortedKeys(entries) {
		c := entries[name]
		var f chartFacts
		readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "charts", c.Chart+".json"), &f)
		if f.Chart != c.Chart || f.Version != c.Version {
			t.Errorf("%s: the catalog pins %s %s, the facts were read from %s %s", name, c.Chart, c.Version, f.Chart, f.Version)
			continue
		}
		for _, p := range setPaths(c) {
			if !f.has(p) {
				t.Errorf("%s: chart %s %s has no values path %s", name, c.Chart, c.Version, p)
			}
		}
		if c.KubeVersion != f.KubeVersion {
			t.Errorf("%s: the catalog says chart %s %s requires kubeVersion %q, its Chart.yaml says %q", name, c.Chart, c.Version, c.KubeVersion, f.KubeVersion)
		}
		if f.PodSecurity == nil || f.PodSecurity.Level != c.PodSecurity {
			t.Errorf("%s: the catalog says chart %s %s passes Pod Security %q; the chart facts say %+v", name, c.Chart, c.Version, c.PodSecurity, f.PodSecurity)
		}
		if f.ScraperPods != nil || c.ScraperPods != nil {
			var want map[string]string
			if f.ScraperPods != nil {
				want = f.ScraperPods.Labels
			}
			if d := cmp.Diff(want, c.ScraperPods); d != "" {
				t.Errorf("%s: the scraper pods' labels differ from the chart facts (-facts +catalog):\n%s", name, d)
			}
		}
		var open []int
		query := 0
		var ui *model.UIPods
		if f.Ports != nil {
			open, query, ui = f.Ports.Open, f.Ports.Query, f.Ports.UI
		}
		if !slices.Equal(open, c.OpenPorts) || query != c.QueryPort {
			t.Errorf("%s: the catalog opens ports %v and queries on %d; the chart facts say %v and %d", name, c.OpenPorts, c.QueryPort, open, query)
		}
		if d := cmp.Diff(ui, c.UIPods); d != "" {
			t.Errorf("%s: the UI's pods differ from the chart facts (-facts +catalog):\n%s", name, d)
		}
		if d := cmp.Diff(f.Tested, c.Tested); d != "" {
			t.Errorf("%s: the tested range differs from the chart facts (-facts +catalog):\n%s", name, d)
		}
	}
}

// TestPodRequestsMatchChartFacts: the requests the disruption arithmetic
// counts for an add-on's pods are the ones its chart sets, "0" where the
// chart sets none, and every component it describes is one it places.
func TestPodRequestsMatchChartFacts(t *testing.T) {
	cat := testCatalog(t)
	entries := map[string]*model.CatalogAddon{"ingress-nginx": cat.IngressNginx}
	for name, c := range cat.Addons {
		entries[name] = c
	}
	for _, name := range model.SortedKeys(entries) {
		c := entries[name]
		var f chartFacts
		readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "charts", c.Chart+".json"), &f)
		for _, component := range model.SortedKeys(c.Pods) {
			if !slices.Contains(c.Placement, component) {
				t.Errorf("%s: pods describes %q, which placement does not list", name, component)
			}
			requests := c.Pods[component].Requests
			if requests == "" {
				requests = join(component, "resources.requests")
			}
			for field, want := range map[string]string{"cpu": c.Pods[component].CPU, "memory": c.Pods[component].Memory} {
				got, ok := f.Values[join(requests, field)].(string)
				if !ok {
					got = "0"
				}
				if got != want {
					t.Errorf("%s: pods.%q.%s is %s, and chart %s %s requests %s", name, component, field, want, c.Chart, c.Version, got)
				}
			}
		}
	}
}

// TestChartFactsCatchAnUnknownPath: the check above fails for a path the
// chart does not have, and for a version the facts were not read at.
func TestChartFactsCatchAnUnknownPath(t *testing.T) {
	var f chartFacts
	readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "charts", "nginx-ingress.json"), &f)
	if f.has("controller.service.externalTrafficPolicyy") || f.has("controler.replicaCount") {
		t.Error("a misspelt values path passes the chart facts")
	}
	if !f.has("controller.service.externalTrafficPolicy") || !f.has("controller.affinity.nodeAffinity") {
		t.Error("a real values path fails the chart facts")
	}
}

// TestLoadBalancerControllerPolicyIsUpstream: the catalog's policy is the
// controller's published one at the pinned version, partition-neutral.
func TestLoadBalancerControllerPolicyIsUpstream(t *testing.T) {
	var upstream struct{ Statement []map[string]any }
	readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "iam", "aws-load-balancer-controller.json"), &upstream)
	for _, s := range upstream.Statement {
		if r, ok := s["Resource"].(string); ok {
			s["Resource"] = []any{r}
		}
	}
	policy := testCatalog(t).Addons["aws-load-balancer-controller"].Policy
	data, err := json.Marshal(policy)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(data), "$(partition)", "aws")), &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(upstream.Statement, got); d != "" {
		t.Errorf("catalog policy differs from upstream (-upstream +catalog):\n%s", d)
	}
}

// TestAutoscalerImagePerMinor: the autoscaler image for each minor is the
// newest patch released for it.
func TestAutoscalerImagePerMinor(t *testing.T) {
	var facts struct{ Images map[string]string }
	readJSON(t, filepath.Join("..", "..", "stdlib", "testdata", "charts", "cluster-autoscaler-images.json"), &facts)
	got := map[string]string{}
	for minor, pin := range testCatalog(t).Addons["cluster-autoscaler"].ByKubernetesMinor {
		got[minor] = pin.Values["image"].(map[string]any)["tag"].(string)
	}
	if d := cmp.Diff(facts.Images, got); d != "" {
		t.Errorf("autoscaler images differ from the released tags (-facts +catalog):\n%s", d)
	}
}
