package terraform_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/internal/testutil"
)

// hostile is qa with Terraform templates wherever the spec puts free text
// into Terraform: NRQL. Tag values cannot hold them: "$", "{" and "%" are
// not characters AWS accepts in tags, and vet refuses them at the tag.
func hostile(t *testing.T) *compiler.Result {
	t.Helper()
	spec, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(
		`podMemoryNearLimit: {`, `custom: leak: {threshold: 0, window: "5m", notify: ["slack"], nrql: "FROM K8sContainerSample SELECT count(*) WHERE podName = '${path.cwd}' OR podName = '%{ if true }x%{ endif }' OR podName = '${file(\"/etc/hostname\")}' OR podName = '${'", promql: "up"}
		podMemoryNearLimit: {`,
	).Replace(string(spec))
	res, diags, err := compiler.Compile([]load.Source{{Path: "qa.cue", Data: []byte(s)}}, compiler.Options{})
	if err != nil || res == nil {
		t.Fatalf("the hostile spec does not compile: %v\n%v", err, diags)
	}
	return res
}

// ours are the interpolations kuberatorc itself writes.
var ours = regexp.MustCompile(`^(aws_|data\.|local\.|var\.|newrelic_|base64encode\()`)

// live finds the templates Terraform would evaluate in a string: a "${" or
// "%{" not escaped by doubling its first character.
var live = regexp.MustCompile(`(?:^|[^$%])(?:\$\$|%%)*([$%])\{([^}]*)`)

// TestSpecTextNeverBecomesATemplate walks every string of every Terraform
// file of a spec full of templates: each live template is one of ours, and
// the module still validates (an unescaped "${" would not).
func TestSpecTextNeverBecomesATemplate(t *testing.T) {
	res := hostile(t)
	checked := 0
	for _, p := range res.Files.Paths() {
		if !strings.HasSuffix(p, ".tf.json") {
			continue
		}
		var v any
		if err := json.Unmarshal(res.Files[p], &v); err != nil {
			t.Fatal(err)
		}
		walkStrings(v, func(s string) {
			checked++
			for _, m := range live.FindAllStringSubmatch(s, -1) {
				if m[1] == "%" || !ours.MatchString(m[2]) {
					t.Errorf("%s: a live template that kuberatorc did not write: %s{%s…", p, m[1], m[2])
				}
			}
		})
		if strings.Contains(string(res.Files[p]), `\ue000`) || strings.Contains(string(res.Files[p]), "\ue000") {
			t.Errorf("%s: the interpolation mark leaked into the output", p)
		}
	}
	if checked < 500 {
		t.Fatalf("only %d strings checked", checked)
	}
	var nrql strings.Builder
	for _, p := range res.Files.Paths() {
		if strings.HasPrefix(p, "newrelic/qa/") {
			nrql.Write(res.Files[p])
		}
	}
	if !strings.Contains(nrql.String(), `$${file(\"/etc/hostname\")}`) || !strings.Contains(nrql.String(), `%%{ if true }x%%{ endif }`) {
		t.Errorf("the NRQL is not escaped:\n%s", nrql.String())
	}
	bin := testutil.Terraform(t)
	files := map[string][]byte{}
	for _, p := range res.Files.Paths() {
		if rel, ok := strings.CutPrefix(p, "terraform/qa/"); ok {
			files[rel] = res.Files[p]
		}
	}
	testutil.Validate(t, bin, testutil.WriteModule(t, bin, files))
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for k, x := range v {
			f(k)
			walkStrings(x, f)
		}
	case []any:
		for _, x := range v {
			walkStrings(x, f)
		}
	}
}
