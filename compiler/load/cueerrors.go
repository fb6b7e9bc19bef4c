package load

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/errors"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// cueDiagnostics turns CUE's errors into diagnostics positioned in the user's
// files. CUE reports a failed disjunction (an enum, a secret reference) as a
// header followed by one error per alternative; those are merged into one
// "must be one of" message. ps is nil when the spec did not parse.
func cueDiagnostics(err error, ps model.Positions) diag.Diagnostics {
	return cueDiagnosticsNamed(err, ps, nil, nil)
}

// cueDiagnosticsNamed also rewrites "out of bound =~<regex>" into the name of
// the schema pattern the regex belongs to: users should read "not a DNS label",
// not the regular expression.
func cueDiagnosticsNamed(err error, ps model.Positions, patterns map[string]string, x *explainer) diag.Diagnostics {
	diags := cueDiagnosticsRaw(err, ps, x)
	for i, d := range diags {
		for bound, name := range patterns {
			if strings.Contains(d.Message, bound) {
				diags[i].Message = strings.Replace(d.Message, "(out of bound "+bound+")", "(not "+name+")", 1)
			}
		}
	}
	return diags
}

func cueDiagnosticsRaw(err error, ps model.Positions, x *explainer) diag.Diagnostics {
	var diags diag.Diagnostics
	errs := errors.Errors(err)
	for i := 0; i < len(errs); i++ {
		e := errs[i]
		path := specPath(e.Path())
		if !isDisjunctionHeader(e) {
			d := cueDiagnostic(path, message(e), userPos(e, ps, path))
			x.explain(&d, e, path, ps)
			diags = append(diags, d)
			continue
		}
		if i+1 < len(errs) && isDisjunctionHeader(errs[i+1]) && slices.Equal(specPath(errs[i+1].Path()), path) {
			continue // a disjunction inside a disjunction (a default beside a named enum): the inner one says it all
		}
		var alts []errors.Error
		for i+1 < len(errs) && hasPrefix(specPath(errs[i+1].Path()), path) && !isDisjunctionHeader(errs[i+1]) {
			i++
			alts = append(alts, errs[i])
		}
		diags = append(diags, disjunctionDiagnostic(path, e, alts, ps, x))
	}
	return dedupe(diags)
}

func cueDiagnostic(path []string, msg string, pos model.Pos) diag.Diagnostic {
	d := diag.Diagnostic{Pos: pos, Severity: diag.Error, Message: msg, Hint: hintFor(path, msg)}
	if pkg, ok := strings.CutSuffix(msg, " imported but not defined in "); ok {
		// CUE names the module the package should come from; a spec has none.
		d.Message = pkg + " cannot be imported: a spec has no module to import it from"
		d.Hint = "remove the import; the schema and its catalogs need none"
	}
	if d.Hint == secretHint && strings.Contains(msg, "mismatched types string and struct") {
		d.Message = "a literal secret is not allowed"
	}
	if len(path) > 0 {
		d.Message = strings.Join(path, ".") + ": " + d.Message
	}
	return d
}

func disjunctionDiagnostic(path []string, head errors.Error, alts []errors.Error, ps model.Positions, x *explainer) diag.Diagnostic {
	if len(alts) == 0 {
		return cueDiagnostic(path, message(head), userPos(head, ps, path))
	}
	pos := userPos(alts[0], ps, path)
	if a := mostSpecific(alts); a != nil {
		// A constraint failed beside a default (int & <=28 | *19), or inside
		// one of several struct forms: the deepest failure is what the user
		// needs to read, not the clash with the default or the other forms.
		d := cueDiagnostic(specPath(a.Path()), message(a), userPos(a, ps, specPath(a.Path())))
		x.explain(&d, a, specPath(a.Path()), ps)
		return d
	}
	// Every alternative says "conflicting values <allowed> and <given>"; the
	// given value is the operand they all share.
	counts := map[string]int{}
	var order []string
	for _, a := range alts {
		_, args := a.Msg()
		for _, arg := range args {
			s := fmt.Sprint(arg)
			if counts[s] == 0 {
				order = append(order, s)
			}
			counts[s]++
		}
	}
	var given string
	var allowed []string
	for _, s := range order {
		if counts[s] == len(alts) && given == "" {
			given = s
		} else {
			allowed = append(allowed, s)
		}
	}
	sortNumbers(allowed)
	if given == "" || slices.ContainsFunc(allowed, func(s string) bool { return strings.HasPrefix(s, "{") }) {
		return cueDiagnostic(path, "invalid value "+given+" (does not match any allowed form)", pos)
	}
	return cueDiagnostic(path, fmt.Sprintf("invalid value %s (must be one of %s)", given, strings.Join(allowed, ", ")), pos)
}

// sortNumbers orders allowed values numerically when they are all numbers:
// CUE reports an enum's members in no useful order.
func sortNumbers(values []string) {
	nums := make(map[string]float64, len(values))
	for _, v := range values {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return
		}
		nums[v] = n
	}
	slices.SortFunc(values, func(a, b string) int { return cmp.Compare(nums[a], nums[b]) })
}

// mostSpecific returns the alternative error a user should read, unless
// every alternative is a plain "conflicting values" (an enum): the deepest
// one, and at equal depth a failed constraint before a field the other form
// does not allow, before a clash with a default.
func mostSpecific(alts []errors.Error) errors.Error {
	var best errors.Error
	bestRank := -1
	for _, a := range alts {
		if r := rank(a); r > bestRank {
			best, bestRank = a, r
		}
	}
	if bestRank%10 == 0 {
		return nil
	}
	return best
}

func rank(e errors.Error) int {
	format, args := e.Msg()
	r := 10 * len(e.Path())
	switch {
	case format == "conflicting values %s and %s" && len(args) == 2:
	case strings.Contains(format, "field not allowed"):
		r++
	default:
		r += 2
	}
	return r
}

func isDisjunctionHeader(e errors.Error) bool {
	format, _ := e.Msg()
	return strings.HasSuffix(format, "errors in empty disjunction:")
}

func message(e errors.Error) string {
	format, args := e.Msg()
	return strings.TrimSuffix(fmt.Sprintf(format, args...), ":")
}

// specPath drops the #Environment or specField prefix and quotes from a
// CUE error path.
func specPath(p []string) []string {
	out := make([]string, 0, len(p))
	for i, s := range p {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
		if i == 0 && (s == "#Environment" || s == specField) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func hasPrefix(p, prefix []string) bool {
	return len(p) >= len(prefix) && slices.Equal(p[:len(prefix)], prefix)
}

// userPos picks the error's first position inside the user's files, else the
// position of the field (or its nearest written ancestor).
func userPos(e errors.Error, ps model.Positions, path []string) model.Pos {
	for _, p := range errors.Positions(e) {
		pos := posOf(p)
		if ps == nil || isUserFile(ps, pos.File) {
			return pos
		}
	}
	return ps.Of(path...)
}

func isUserFile(ps model.Positions, file string) bool {
	for _, p := range ps {
		if p.File == file {
			return true
		}
	}
	return false
}

const secretHint = `secrets are references, never literals: write {ssmParameter: "/path"} or {variable: "tf_var_name"}`

// hintFor gives a one-line fix for the CUE errors users hit most.
func hintFor(path []string, msg string) string {
	last := ""
	if len(path) > 0 {
		last = path[len(path)-1]
	}
	switch {
	case strings.Contains(msg, "field not allowed"):
		return "remove the field or fix its spelling; kuberatorc schema prints the fields"
	case strings.Contains(msg, "mismatched types string and int") || strings.Contains(msg, "mismatched types string and number"):
		return "the value must be a number, not a string: write it without quotes"
	case strings.Contains(msg, "mismatched types int and string") || strings.Contains(msg, "mismatched types number and string"):
		return "the value must be a string: put it in quotes"
	case strings.Contains(msg, "field is required but not present"):
		return "add the field; the schema requires it"
	case slices.Contains([]string{"apiKey", "webhookURL", "integrationKey", "url"}, last) && len(path) > 1 && path[0] == "alerts":
		return secretHint
	case strings.Contains(msg, "IPCIDR") || strings.HasSuffix(strings.ToLower(last), "cidr") || strings.HasSuffix(last, "CIDRs"):
		return "write an IPv4 CIDR such as 10.20.0.0/16"
	case last == "desired":
		return "desired must lie between min and max"
	case last == "max" && strings.Contains(msg, "out of bound"):
		return "max must be at least min"
	}
	return ""
}

// dedupe drops repeated diagnostics: CUE can report one conflict from several
// sides of a unification.
func dedupe(ds diag.Diagnostics) diag.Diagnostics {
	seen := map[string]bool{}
	out := ds[:0]
	for _, d := range ds {
		k := d.Pos.String() + d.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	return out
}
