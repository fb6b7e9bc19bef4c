package compiler

import (
	"regexp"
	"strconv"

	"cuelang.org/go/cue"
)

// secretPatterns recognise credentials pasted into a spec. Fields meant for
// secrets only take references (the schema's #SecretRef); this catches a
// secret anywhere else, such as a workload's env.
var secretPatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a New Relic API key", regexp.MustCompile(`\bNRAK-[A-Z0-9]{27}\b`)},
	{"a Slack webhook URL", regexp.MustCompile(`hooks\.slack\.com/(services|workflows)/`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[0-9A-Za-z-]{10,}`)},
	{"an AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"an Opsgenie API URL with a key", regexp.MustCompile(`api\.opsgenie\.com/.*[?&]apiKey=`)},
	{"a password in a URL", regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`)},
}

// literalSecrets reports every string in the spec that looks like a credential.
func literalSecrets(spec cue.Value) Diagnostics {
	var ds Diagnostics
	var walk func(v cue.Value)
	walk = func(v cue.Value) {
		switch v.IncompleteKind() {
		case cue.StructKind:
			it, _ := v.Fields(cue.Optional(true))
			for it != nil && it.Next() {
				walk(it.Value())
			}
		case cue.ListKind:
			it, _ := v.List()
			for it.Next() {
				walk(it.Value())
			}
		case cue.StringKind:
			s, err := v.String()
			if err != nil {
				return
			}
			for _, p := range secretPatterns {
				if p.re.MatchString(s) {
					ds.errorf(fieldPos(v), `keep secrets out of the spec: reference them ({ssmParameter: "/path"} or {variable: "name"}, or a Kubernetes Secret)`,
						"%s looks like %s; a spec holds references to secrets, never the secrets", strconv.Quote(abbreviate(s)), p.what)
					return
				}
			}
		}
	}
	walk(spec)
	return ds
}

// abbreviate shows enough of a secret to find it, not enough to leak it.
func abbreviate(s string) string {
	if len(s) <= 12 {
		return s[:min(4, len(s))] + "…"
	}
	return s[:8] + "…"
}
