package diag

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestGitleaksFormats: each credential format kept from gitleaks' default
// rules (testdata/gitleaks-rules.json, with its source) is found by
// FindSecret. The test first checks that each sample is one gitleaks' own
// regex matches, so a sample cannot drift from the format it stands for.
func TestGitleaksFormats(t *testing.T) {
	data, err := os.ReadFile("testdata/gitleaks-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Source string
		Rules  []struct{ ID, Regex, Sample string }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Source, "gitleaks") || len(doc.Rules) < 8 {
		t.Fatalf("testdata/gitleaks-rules.json: %d rules from %q", len(doc.Rules), doc.Source)
	}
	for _, r := range doc.Rules {
		re, err := regexp.Compile(strings.ReplaceAll(r.Regex, `\x60`, "`"))
		if err != nil {
			t.Errorf("%s: gitleaks' regex does not compile in Go: %v", r.ID, err)
			continue
		}
		if !re.MatchString(r.Sample) {
			t.Errorf("%s: the sample %q is not one gitleaks' rule matches", r.ID, r.Sample)
		}
		if what, _, _ := FindSecret(r.Sample); what == "" {
			t.Errorf("%s: FindSecret does not find %q", r.ID, r.Sample)
		}
		if red := Redact("value: " + r.Sample); strings.Contains(red, r.Sample[len(r.Sample)-6:]) {
			t.Errorf("%s: Redact leaves the secret's end: %s", r.ID, red)
		}
	}
}

// TestAssignedSecrets: a value assigned to a key that names a secret is
// found; a reference to one is not.
func TestAssignedSecrets(t *testing.T) {
	for s, want := range map[string]bool{
		"password: Hunter2Xq9Zw4":   true,
		"DB_PASSWORD=Hunter2Xq9Zw4": true,
		`api-key = "q9w8e7r6t5y4"`:  true,
		"password: ${DB_PASSWORD}":  false,
		"token: $TOKEN":             false,
		"password: <set me>":        false,
		"log: json":                 false,
	} {
		if start, _ := FindAssignedSecret(s); (start >= 0) != want {
			t.Errorf("FindAssignedSecret(%q) found = %v, want %v", s, start >= 0, want)
		}
	}
}

// TestPrefilterHidesNothing: the keyword and run-length tests that let a
// pattern skip a string never skip one the pattern alone would match, in
// any case (including the letters (?i) folds that ToLower does not: ſ).
func TestPrefilterHidesNothing(t *testing.T) {
	data, err := os.ReadFile("testdata/gitleaks-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Rules []struct{ Sample string } }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	corpus := []string{"password: Hunter2Xq9Zw4", "paſſword: hunter2hunter", "ſecret=abcdef12", "API_KEY=q9w8e7r6t5y4", "TOKEN: abcdefgh",
		"NRJſ-0123456789abcdef012", "nrak-ABCDEFGHIJKLMNOPQRSTUVWXYZ0", "https://user:pa55w0rd@example.com/", "log: json"}
	for _, r := range doc.Rules {
		corpus = append(corpus, r.Sample, strings.ToUpper(r.Sample), strings.ToLower(r.Sample),
			strings.ReplaceAll(r.Sample, "s", "ſ"), strings.ReplaceAll(r.Sample, "S", "ſ"), "x "+r.Sample+" y")
	}
	for _, s := range corpus {
		want := ""
		for _, p := range secretPatterns {
			if m := p.re.FindAllStringSubmatchIndex(s, -1); len(m) > 0 && want == "" {
				for _, m := range m {
					start, end := m[0], m[1]
					if len(m) >= 4 && m[2] >= 0 {
						start, end = m[2], m[3]
					}
					if p.check == nil || p.check(s[start:end]) {
						want = p.what
						break
					}
				}
			}
		}
		if got, _, _ := FindSecret(s); got != want {
			t.Errorf("FindSecret(%q) = %q, the patterns alone %q", s, got, want)
		}
		wantAssigned := assignedSecret.MatchString(s)
		if start, _ := FindAssignedSecret(s); (start >= 0) != wantAssigned {
			t.Errorf("FindAssignedSecret(%q) found %v, the pattern alone %v", s, start >= 0, wantAssigned)
		}
	}
}
