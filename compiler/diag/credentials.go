package diag

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// secretPatterns recognise credentials pasted into a spec. Fields meant for
// secrets only take references (the schema's #SecretRef); this catches a
// secret anywhere else, such as a workload's env or a tag. A pattern's
// first group, when it has one, is the secret itself, and check (when set)
// must also hold of it.
//
// A pattern runs only on a string that holds one of its keywords (matched
// case-insensitively), as gitleaks runs its rules: a literal search is
// cheap where a regexp is not, and vet redacts every message it prints.
var secretPatterns = []struct {
	what     string
	re       *regexp.Regexp
	check    func(string) bool
	keywords []string // lower case
	// minRun, for a generic shape, is the run of base64 characters the
	// string must hold for the pattern to run.
	minRun int
}{
	// Prefixed formats, after gitleaks v8.30.1's default rules (see
	// testdata/gitleaks-rules.json, where each is kept with its source).
	{"a New Relic user API key", regexp.MustCompile(`(?i)\b(NRAK-[a-z0-9]{27})\b`), nil, []string{"nrak-"}, 0},
	{"a New Relic insert key", regexp.MustCompile(`(?i)\b(NRII-[a-z0-9-]{32})\b`), nil, []string{"nrii-"}, 0},
	{"a New Relic browser key", regexp.MustCompile(`(?i)\b(NRJS-[a-f0-9]{19})\b`), nil, []string{"nrjs-"}, 0},
	{"a Stripe key", regexp.MustCompile(`\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})`), nil, []string{"_test_", "_live_", "_prod_"}, 0},
	{"a Google API key", regexp.MustCompile(`\b(AIza[\w-]{35})`), nil, []string{"aiza"}, 0},
	{"a GitLab token", regexp.MustCompile(`\b(glpat-[\w-]{20,})`), nil, []string{"glpat-"}, 0},
	{"a SendGrid API key", regexp.MustCompile(`\b(SG\.[A-Za-z0-9=_\-.]{66})`), nil, []string{"sg."}, 0},
	{"an npm token", regexp.MustCompile(`(?i)\b(npm_[a-z0-9]{36})`), nil, []string{"npm_"}, 0},
	{"a JSON Web Token", regexp.MustCompile(`\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9/\\_-]{17,}\.(?:[a-zA-Z0-9/\\_-]{10,}={0,2})?)`), nil, []string{".ey"}, 0},
	{"a New Relic license key", regexp.MustCompile(`\b([0-9a-f]{36}NRAL|eu01xx[0-9a-f]{34})\b`), nil, []string{"nral", "eu01xx"}, 0},
	{"a Slack webhook URL", regexp.MustCompile(`(hooks\.slack\.com/(?:services|workflows)/\S+)`), nil, []string{"hooks.slack.com/"}, 0},
	{"a Slack token", regexp.MustCompile(`\b((?:xox[a-z]|xapp)-[0-9A-Za-z-]{10,})`), nil, []string{"xox", "xapp-"}, 0},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})`), nil, []string{"gh", "github_pat_"}, 0},
	{"an AWS access key ID", regexp.MustCompile(`\b((?:AKIA|ASIA)[0-9A-Z]{16})\b`), nil, []string{"akia", "asia"}, 0},
	{"a private key", regexp.MustCompile(`(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[^-]*)`), nil, []string{"private key-----"}, 0},
	{"an Opsgenie API URL with a key", regexp.MustCompile(`api\.opsgenie\.com/.*[?&]apiKey=(\S+)`), nil, []string{"api.opsgenie.com/"}, 0},
	{"a password in a URL", regexp.MustCompile(`://[^/\s:@]+:([^/\s@]+)@`), nil, []string{"://"}, 0},
	{"a token in a URL", regexp.MustCompile(`https?://([^/\s:@]{16,})@`), nil, []string{"://"}, 0},
	// The shapes below are generic, so they come last: a specific pattern
	// names a credential better.
	// 40 characters of base64 with upper and lower case and a digit: an AWS
	// secret access key (a SHA-1 in hex has no capitals).
	{"an AWS secret access key", regexp.MustCompile(`(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])`), mixed, nil, 40},
	// 32 hex characters with letters and digits: a PagerDuty integration key.
	{"a PagerDuty integration key", regexp.MustCompile(`\b([0-9a-f]{32})\b`), mixed, nil, 32},
}

// assignedSecret is a value assigned to a key that names a secret, as a
// config file writes one (password: Hunter2, API_KEY=…); a reference to
// one ($VAR, ${VAR}, {{ .Value }}, <placeholder>) is not a secret.
var assignedSecret = regexp.MustCompile(`(?i)(?:password|passwd|secret|token|api[_-]?key)\s*[:=]\s*["']?([^\s"'$<{%][^\s"']{5,})`)

// hasAssignedKeyword says whether a lower-cased string holds one of
// assignedSecret's keys: literal searches, where the pattern tries every
// position.
func hasAssignedKeyword(lower string) bool {
	for _, k := range []string{"passw", "secret", "token", "api_key", "api-key", "apikey"} {
		if strings.Contains(lower, k) {
			return true
		}
	}
	return false
}

// FindAssignedSecret returns the span of a secret assigned in a file's
// content (see assignedSecret), or -1, -1.
func FindAssignedSecret(s string) (start, end int) {
	if !strings.ContainsAny(s, ":=") || !hasAssignedKeyword(foldCase(s)) {
		return -1, -1 // the cheap tests first: most strings name no secret
	}
	if m := assignedSecret.FindStringSubmatchIndex(s); m != nil {
		return m[2], m[3]
	}
	return -1, -1
}

// mixed says a candidate mixes letters and digits (and, for base64, both
// cases), as generated keys do and words, versions and hashes mostly don't.
func mixed(s string) bool {
	var lower, upper, digit bool
	for _, c := range s {
		switch {
		case unicode.IsLower(c):
			lower = true
		case unicode.IsUpper(c):
			upper = true
		case unicode.IsDigit(c):
			digit = true
		}
	}
	if len(s) == 32 { // hex: no case to mix
		return lower && digit
	}
	return lower && upper && digit
}

// FindSecret returns what a string's first credential looks like, and the
// credential's span.
func FindSecret(s string) (what string, start, end int) {
	lower, run := foldCase(s), longestBase64Run(s)
	for _, p := range secretPatterns {
		if run < p.minRun || len(p.keywords) > 0 && !slices.ContainsFunc(p.keywords, func(k string) bool { return strings.Contains(lower, k) }) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
			start, end = m[0], m[1]
			if len(m) >= 4 && m[2] >= 0 {
				start, end = m[2], m[3]
			}
			if p.check == nil || p.check(s[start:end]) {
				return p.what, start, end
			}
		}
	}
	return "", 0, 0
}

// foldCase lower-cases s for the keyword searches as (?i) matches: it
// takes ſ (U+017F) for s, where strings.ToLower keeps it (K, the Kelvin
// sign, ToLower already makes k).
func foldCase(s string) string {
	lower := strings.ToLower(s)
	if strings.ContainsRune(lower, 'ſ') {
		lower = strings.ReplaceAll(lower, "ſ", "s")
	}
	return lower
}

// longestBase64Run is the length of the longest run of base64 characters
// (letters, digits, / and +) in s.
func longestBase64Run(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '+' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// Redact hides every credential in a message, keeping a few characters to
// find it by: CUE's own errors quote the values they reject.
func Redact(s string) string {
	for {
		what, start, end := FindSecret(s)
		if what == "" {
			break
		}
		s = s[:start] + Abbreviate(s[start:end]) + "[redacted]" + s[end:]
	}
	for from := 0; ; {
		start, end := FindAssignedSecret(s[from:])
		if start < 0 {
			return s
		}
		start, end = from+start, from+end
		if strings.HasSuffix(s[start:end], "[redacted]") {
			from = end
			continue
		}
		s = s[:start] + Abbreviate(s[start:end]) + "[redacted]" + s[end:]
		from = start
	}
}

// Abbreviate shows enough of a secret to find it, not enough to leak it.
func Abbreviate(s string) string {
	if len(s) <= 12 {
		return s[:min(4, len(s))] + "…"
	}
	return s[:8] + "…"
}
