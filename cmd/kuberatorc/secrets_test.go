package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/internal/testutil"
)

// Fake credentials of every shape the compiler knows, each of which must be
// refused wherever it stands in a spec and never be echoed in full.
var secrets = []struct{ what, value string }{
	{"a New Relic user API key", "NRAK-0123456789ABCDEFGHIJKLMNOPQ"},
	{"a New Relic user API key", "NRAK-a1b2c3d4e5f6g7h8i9j0k1l2m3n"},
	{"a New Relic insert key", "NRII-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"},
	// The formats after gitleaks' rules (compiler/diag/testdata/gitleaks-rules.json).
	{"a Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dcXq"},
	{"a Stripe key", "rk_live_4eC39HqLyjWDarjtT1zdp7dcXq"},
	{"a Google API key", "AIzaSyD1x9Kq2mZp4Lr7Tv0Wb3Nc6Hs8Jf5Ge2Q"},
	{"a GitLab token", "glpat-x7Rk2Vq9Lm4Tn8Wp3Zb6"},
	{"a Slack token", "xoxp-1234567890123-1234567890123-1234567890123-abcdef0123456789abcdef0123456789"},
	{"a SendGrid API key", "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"},
	{"an npm token", "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"},
	{"a JSON Web Token", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
	{"a New Relic license key", "0123456789abcdef0123456789abcdef0123NRAL"},
	{"a Slack webhook URL", "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX"},
	{"a Slack token", "xoxb-1234567890-abcdefghijklmn"},
	{"a GitHub token", "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
	{"a GitHub token", "github_pat_11ABCDEFG0123456789_abcdefghij"},
	{"an AWS access key ID", "AKIAIOSFODNN7EXAMPLE"},
	{"an AWS secret access key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
	{"a PagerDuty integration key", "e93facc04764012d7bfb002500d5d1a6"},
	{"a private key", `-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----`},
	{"an Opsgenie API URL with a key", "https://api.opsgenie.com/v1/json/newrelic?apiKey=0f1e2d3c4b5a69788a9b0c1d2e3f4a5b"},
	{"a password in a URL", "https://deploy:hunter2hunter2@git.example.com/platform"},
	{"a token in a URL", "https://0123456789abcdefghij@git.example.com/platform"},
}

// TestSecretsNeverPassThrough: a credential as a tag value, as a field
// name, as a bytes literal in add-on values, in a workload's env, in a
// file's content or as an SSM parameter name is refused with exit 1 at its
// position; neither it nor any part past its first few characters reaches
// stdout, stderr or the output directory.
func TestSecretsNeverPassThrough(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		secret := strings.ReplaceAll(s.value, `\n`, "\n")
		for _, place := range []struct{ name, old, new, pos string }{
			{"tag value", `costCenter: "eng-42"`, `costCenter: "` + s.value + `"`, "bad.cue:14:14"},
			{"bytes in add-on values", "grafana: {}", "grafana: {values: {apiKey: '" + s.value + "'}}", "bad.cue:72:29"},
			{"workload env", `env: PARTNER_TOKEN: {ssmParameter: "/qa/service2/partner-token"}`,
				`env: {PARTNER_TOKEN: {ssmParameter: "/qa/service2/partner-token"}, LEAK: "` + s.value + `"}`, "bad.cue:117:76"},
			{"files content", `log: json\n"`, `log: json\nkey: ` + s.value + `\n"`, "bad.cue:103:39"},
			{"an SSM parameter name", `{ssmParameter: "/qa/service2/partner-token"}`, `{ssmParameter: "/qa/service2/` + s.value + `"}`, "bad.cue:117:38"},
		} {
			if place.name == "an SSM parameter name" && strings.ContainsAny(s.value, " \n?@:/") {
				continue // not a parameter name: the schema refuses it, or "/" splits it into path parts
			}
			t.Run(s.what+" as "+place.name, func(t *testing.T) {
				t.Chdir(t.TempDir())
				spec := strings.Replace(string(qa), place.old, place.new, 1)
				if err := os.WriteFile("bad.cue", []byte(spec), 0o644); err != nil {
					t.Fatal(err)
				}
				var stdout, stderr bytes.Buffer
				if code := run([]string{"build", "bad.cue", "-o", "out"}, &stdout, &stderr); code != 1 {
					t.Errorf("exit %d, want 1\n%s", code, stderr.String())
				}
				if want := place.pos + ": error: "; !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "looks like "+s.what) {
					t.Errorf("stderr lacks %q … looks like %s:\n%s", want, s.what, stderr.String())
				}
				leaked(t, secret, stdout.String()+stderr.String())
				if _, err := os.Stat("out"); !os.IsNotExist(err) {
					t.Error("a refused build wrote its output directory")
				}
				// The JSON diagnostics are redacted too.
				stderr.Reset()
				run([]string{"vet", "--diagnostics=json", "bad.cue"}, &stdout, &stderr)
				leaked(t, secret, stderr.String())
			})
		}
	}
	// A credential used as a field name (a tag key) is found too.
	t.Run("field name", func(t *testing.T) {
		t.Chdir(t.TempDir())
		spec := strings.Replace(string(qa), `costCenter: "eng-42"`, `AKIAIOSFODNN7EXAMPLE: "eng-42"`, 1)
		os.WriteFile("bad.cue", []byte(spec), 0o644)
		var stdout, stderr bytes.Buffer
		if code := run([]string{"build", "bad.cue", "-o", "out"}, &stdout, &stderr); code != 1 ||
			!strings.Contains(stderr.String(), "bad.cue:14:2: error: ") {
			t.Errorf("exit %d:\n%s", code, stderr.String())
		}
		leaked(t, "AKIAIOSFODNN7EXAMPLE", stderr.String())
	})
}

// leaked fails when more of a secret than its first eight characters shows.
func leaked(t *testing.T, secret, out string) {
	t.Helper()
	for _, line := range strings.Split(secret, "\n") {
		if len(line) > 8 && strings.Contains(out, line[8:]) {
			t.Errorf("the secret's tail %q reached the output:\n%s", line[8:], out)
		}
	}
}

// TestAssignedSecretInFiles: a file that assigns a value to a key naming a
// secret (password: …) is refused, since files become ConfigMaps; a
// reference to one ($VAR, ${VAR}) is not a secret.
func TestAssignedSecretInFiles(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		content string
		refused bool
	}{
		{`password: Hunter2Xq9Zw4`, true},
		{`DB_PASSWORD=Hunter2Xq9Zw4`, true},
		{`api_key = "q9w8e7r6t5y4"`, true},
		{`password: ${DB_PASSWORD}`, false},
		{`token: $TOKEN`, false},
	} {
		t.Run(c.content, func(t *testing.T) {
			t.Chdir(t.TempDir())
			quoted := strings.ReplaceAll(c.content, `"`, `\"`)
			spec := strings.Replace(string(qa), `log: json\n"`, `log: json\n`+quoted+`\n"`, 1)
			os.WriteFile("bad.cue", []byte(spec), 0o644)
			var stdout, stderr bytes.Buffer
			code := run([]string{"vet", "bad.cue"}, &stdout, &stderr)
			refused := code == 1 && strings.Contains(stderr.String(), "bad.cue:103:39: error: the file assigns a secret")
			if refused != c.refused {
				t.Errorf("refused = %v, want %v (exit %d)\n%s", refused, c.refused, code, stderr.String())
			}
			leaked(t, "Hunter2Xq9Zw4", stderr.String())
			leaked(t, "q9w8e7r6t5y4", stderr.String())
		})
	}
}
