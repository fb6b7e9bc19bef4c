package compiler

import (
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/emitters/tfjson"
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

// literalSecrets reports every string in the spec, and every field name,
// that looks like a credential, and any that holds the character the
// Terraform emitters use to mark their own interpolations.
func literalSecrets(spec cue.Value) Diagnostics {
	var ds Diagnostics
	check := func(s string, pos model.Pos) {
		if strings.Contains(s, tfjson.Live[:3]) {
			ds.errorf(pos, "remove the character U+E000", "%s holds U+E000, a private-use character kuberatorc reserves", strconv.Quote(abbreviate(s)))
			return
		}
		for _, p := range secretPatterns {
			if p.re.MatchString(s) {
				ds.errorf(pos, `keep secrets out of the spec: reference them ({ssmParameter: "/path"} or {variable: "name"}, or a Kubernetes Secret)`,
					"%s looks like %s; a spec holds references to secrets, never the secrets", strconv.Quote(abbreviate(s)), p.what)
				return
			}
		}
	}
	var walk func(v cue.Value)
	walk = func(v cue.Value) {
		switch v.IncompleteKind() {
		case cue.StructKind:
			it, _ := v.Fields(cue.Optional(true))
			for it != nil && it.Next() {
				check(it.Selector().Unquoted(), labelPos(it.Value()))
				walk(it.Value())
			}
		case cue.ListKind:
			it, _ := v.List()
			for it.Next() {
				walk(it.Value())
			}
		case cue.StringKind:
			if s, err := v.String(); err == nil {
				check(s, fieldPos(v))
			}
		}
	}
	walk(spec)
	return ds
}

// labelPos is where a field's name is written.
func labelPos(v cue.Value) model.Pos {
	if src, ok := v.Source().(*ast.Field); ok {
		return posOf(src.Label.Pos())
	}
	return posOf(v.Pos())
}

// abbreviate shows enough of a secret to find it, not enough to leak it.
func abbreviate(s string) string {
	if len(s) <= 12 {
		return s[:min(4, len(s))] + "…"
	}
	return s[:8] + "…"
}
