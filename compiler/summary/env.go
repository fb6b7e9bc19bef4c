package summary

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
)

// envOf returns the one environment a file set's paths name, or "" when they
// name none (an empty set, or only shared bases).
func envOf(fs fileset.FileSet) (string, error) {
	var envs []string
	for p := range fs {
		if env := layout.EnvOf(p); env != "" && !slices.Contains(envs, env) {
			envs = append(envs, env)
		}
	}
	slices.Sort(envs)
	if len(envs) > 1 {
		return "", fmt.Errorf("the files belong to several environments (%s); summarize one environment at a time", strings.Join(envs, ", "))
	}
	if len(envs) == 0 {
		return "", nil
	}
	return envs[0], nil
}

// Placeholders for the environment's name. They are private-use characters:
// no generated file holds them and JSON encoding leaves them as they are.
const (
	envMark      = "\ue000env\ue001"
	envIdentMark = "\ue000env_\ue001"
)

// A normalizer replaces an environment's name with a placeholder wherever it
// stands as a token: "qa-app", "service1.qa.example.com", "/qa/slack", and
// in Terraform identifiers, where a "-" in the name becomes "_"
// ("qa_slack_webhook"). The zero normalizer changes nothing.
type normalizer struct {
	env   string
	ident string // env as a Terraform identifier; "" when the same as env
}

func newNormalizer(env string) normalizer {
	n := normalizer{env: env}
	if id := strings.ReplaceAll(env, "-", "_"); id != env {
		n.ident = id
	}
	return n
}

// str replaces the environment's name in s with a placeholder.
func (n normalizer) str(s string) string {
	if n.env == "" {
		return s
	}
	s = replaceToken(s, n.env, envMark)
	if n.ident != "" {
		s = replaceToken(s, n.ident, envIdentMark)
	}
	return s
}

// back undoes str: it puts this environment's name back into text printed
// from normalised values.
func (n normalizer) back(s string) string {
	if n.env == "" {
		return s
	}
	s = strings.ReplaceAll(s, envMark, n.env)
	if n.ident != "" {
		s = strings.ReplaceAll(s, envIdentMark, n.ident)
	}
	return s
}

// tree normalises every string and map key of a decoded JSON value.
func (n normalizer) tree(v any) any {
	if n.env == "" {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, c := range t {
			m[n.str(k)] = n.tree(c)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, c := range t {
			l[i] = n.tree(c)
		}
		return l
	case string:
		return n.str(t)
	}
	return v
}

// replaceToken replaces each occurrence of tok in s that no letter or digit
// touches on either side, so "qa" matches in "qa-app" and "/qa/" but not in
// "aqua"; "_", "-", "." and "/" all separate tokens.
func replaceToken(s, tok, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, tok)
		if i < 0 {
			break
		}
		end := i + len(tok)
		if (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end])) {
			b.WriteString(s[:i])
			b.WriteString(with)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
	b.WriteString(s)
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
