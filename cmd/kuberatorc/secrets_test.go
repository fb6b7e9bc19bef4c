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
	{"a New Relic API key", "NRAK-0123456789ABCDEFGHIJKLMNOPQ"},
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
// name, or as a bytes literal in add-on values is refused with exit 1 at its
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
		} {
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
