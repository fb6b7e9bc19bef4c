package newrelic_test

// The New Relic provider cannot be installed here, so its schema comes from
// testdata/provider-schema.json, derived from the provider's cdktf package by
// scripts/newrelic-schema.mjs (make newrelic-schema). Every block the emitter
// writes is checked against it: no unknown attribute or block, every required
// one present, every literal of the right type.

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/internal/testutil"
)

type schema struct {
	Attributes map[string]struct {
		Type     string `json:"type"`
		Required bool   `json:"required"`
	} `json:"attributes"`
	Blocks map[string]struct {
		Required bool    `json:"required"`
		List     bool    `json:"list"`
		Schema   *schema `json:"schema"`
	} `json:"blocks"`
}

type providerSchema struct {
	Source   string             `json:"source"`
	Provider *schema            `json:"provider"`
	Resource map[string]*schema `json:"resource"`
	Data     map[string]*schema `json:"data"`
}

// Terraform's meta-arguments, valid in every resource and data block.
var metaArguments = map[string]bool{"count": true, "for_each": true, "depends_on": true, "provider": true, "lifecycle": true}

func loadSchema(t *testing.T) *providerSchema {
	t.Helper()
	data, err := os.ReadFile("testdata/provider-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s providerSchema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// check returns every way body breaks the schema, with its path.
func (s *schema) check(where string, body map[string]any) []string {
	var errs []string
	for k, v := range body {
		p := where + "." + k
		if a, ok := s.Attributes[k]; ok {
			if msg := typeError(a.Type, v); msg != "" {
				errs = append(errs, p+": "+msg)
			}
			continue
		}
		b, ok := s.Blocks[k]
		switch {
		case ok:
			items, isList := v.([]any)
			if !isList {
				items = []any{v}
			}
			for i, item := range items {
				m, isObj := item.(map[string]any)
				if !isObj {
					errs = append(errs, fmt.Sprintf("%s[%d]: a block must be an object, not %T", p, i, item))
					continue
				}
				errs = append(errs, b.Schema.check(fmt.Sprintf("%s[%d]", p, i), m)...)
			}
		case !metaArguments[k]:
			errs = append(errs, p+": unknown attribute or block")
		}
	}
	for k, a := range s.Attributes {
		if _, ok := body[k]; a.Required && !ok {
			errs = append(errs, where+"."+k+": required attribute missing")
		}
	}
	for k, b := range s.Blocks {
		if _, ok := body[k]; b.Required && !ok {
			errs = append(errs, where+"."+k+": required block missing")
		}
	}
	return errs
}

// typeError checks a literal; "${...}" expressions are Terraform's to type.
func typeError(want string, v any) string {
	if s, ok := v.(string); ok && strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
		return ""
	}
	ok := false
	switch want {
	case "string":
		_, ok = v.(string)
	case "number":
		_, ok = v.(float64)
	case "bool":
		_, ok = v.(bool)
	case "list":
		_, ok = v.([]any)
	case "map":
		_, ok = v.(map[string]any)
	default:
		ok = true
	}
	if !ok {
		return fmt.Sprintf("want %s, got %T", want, v)
	}
	return ""
}

func TestNewRelicAgainstProviderSchema(t *testing.T) {
	s := loadSchema(t)
	checked := map[string]int{}
	for _, name := range testutil.Examples {
		res := testutil.CompileExample(t, name)
		for _, p := range res.Files.Paths() {
			if !strings.HasPrefix(p, "newrelic/") {
				continue
			}
			var file map[string]map[string]any
			if err := json.Unmarshal(res.Files[p], &file); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			var errs []string
			if nr, ok := file["provider"]["newrelic"].(map[string]any); ok {
				errs = append(errs, s.Provider.check(p+": provider.newrelic", nr)...)
				checked["provider"]++
			}
			for kind, schemas := range map[string]map[string]*schema{"resource": s.Resource, "data": s.Data} {
				for typ, blocks := range file[kind] {
					if !strings.HasPrefix(typ, "newrelic_") {
						continue
					}
					sch, ok := schemas[typ]
					if !ok {
						errs = append(errs, fmt.Sprintf("%s: %s %s is not in the provider (%s)", p, kind, typ, s.Source))
						continue
					}
					for label, body := range blocks.(map[string]any) {
						errs = append(errs, sch.check(fmt.Sprintf("%s: %s.%s.%s", p, kind, typ, label), body.(map[string]any))...)
						checked[typ]++
					}
				}
			}
			sort.Strings(errs)
			for _, e := range errs {
				t.Error(e)
			}
		}
	}
	for _, typ := range []string{"provider", "newrelic_alert_policy", "newrelic_nrql_alert_condition", "newrelic_notification_destination",
		"newrelic_notification_channel", "newrelic_workflow"} {
		if checked[typ] == 0 {
			t.Errorf("the examples emit no %s to check", typ)
		}
	}
}

// TestSchemaCheckCanFail: the checker catches each kind of mistake.
func TestSchemaCheckCanFail(t *testing.T) {
	s := loadSchema(t).Resource["newrelic_nrql_alert_condition"]
	errs := s.check("c", map[string]any{
		"name": "x", "policy_id": "${newrelic_alert_policy.main.id}", "nrql": map[string]any{"query": "FROM X SELECT count(*)"},
		"aggregation_window": "sixty", "critical": map[string]any{"operator": "above"}, "severity": "critical",
	})
	sort.Strings(errs)
	want := []string{
		"c.aggregation_window: want number, got string",
		"c.critical[0].threshold: required attribute missing",
		"c.severity: unknown attribute or block",
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}
