package compiler

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/kuberator/kuberator/compiler/model"
)

// The warnings kuberatorc gives, by the id a spec accepts them with.
const (
	WarnALBOpenToAnywhere       = "alb-open-to-anywhere"
	WarnAlertmanagerUnreachable = "alertmanager-unreachable"
	WarnDesiredIgnored          = "desired-ignored"
	WarnGitopsRootMismatch      = "gitops-root-mismatch"
	WarnIngressNginxRetired     = "ingress-nginx-retired"
	WarnNoClusterAdmin          = "no-cluster-admin"
	WarnOpsgenieNoClose         = "opsgenie-no-close"
	WarnPublicCIDRsUnused       = "public-cidrs-unused"
	WarnVPCOverlap              = "vpc-overlap"
	// WarnAcceptUnused is an acceptance that accepts nothing; it cannot be
	// accepted itself.
	WarnAcceptUnused = "accept-unused"
)

// WarningIDs are the ids a kuberatorc:accept comment can name.
var WarningIDs = []string{
	WarnALBOpenToAnywhere, WarnAlertmanagerUnreachable, WarnDesiredIgnored, WarnGitopsRootMismatch,
	WarnIngressNginxRetired, WarnNoClusterAdmin, WarnOpsgenieNoClose, WarnPublicCIDRsUnused, WarnVPCOverlap,
}

// situational warnings depend on more than the spec: on the output
// directory (gitops-root-mismatch, desired-ignored) or on the environments
// compiled beside it (vpc-overlap). A run without what they compare cannot
// tell that an acceptance of one is stale, so it never says so.
var situational = []string{WarnDesiredIgnored, WarnGitopsRootMismatch, WarnVPCOverlap}

// acceptMarker begins a comment that accepts warnings: on a line of its own
// it accepts those of the next line, after a field those of its own line.
// What follows the ids is the reason, for the reader.
const acceptMarker = "kuberatorc:accept"

// acceptance is one kuberatorc:accept comment.
type acceptance struct {
	at   model.Pos // the comment
	line int       // the line whose warnings it accepts
	ids  []string
}

// acceptKey names one id of one comment, across the environments that
// read its file.
type acceptKey struct {
	at model.Pos
	id string
}

// acceptAll drops from each environment's diagnostics the warnings that a
// comment in its files accepts. A comment that accepts nothing in every
// environment that reads it, all of them free of errors, is itself a
// warning, given to each of those environments, so no stale acceptance
// stays. An error stops the checks that follow it, and their warnings with
// them: an acceptance is not stale for want of one.
func acceptAll(diags []Diagnostics, sources [][]Source) []Diagnostics {
	parsed := map[string][]acceptance{} // by file: a shared file is read once
	used := map[acceptKey]bool{}
	readers := map[string][]int{} // the environments that read each file
	failed := map[string]bool{}   // files read by an environment with errors
	out := make([]Diagnostics, len(diags))
	for i, srcs := range sources {
		var all []acceptance
		for _, src := range srcs {
			if _, ok := parsed[src.Path]; !ok {
				parsed[src.Path] = acceptancesIn(src)
			}
			all = append(all, parsed[src.Path]...)
			readers[src.Path] = append(readers[src.Path], i)
			if diags[i].HasErrors(false) {
				failed[src.Path] = true
			}
		}
		out[i] = slices.DeleteFunc(slices.Clone(diags[i]), func(d Diagnostic) bool { return accepts(all, d, used) })
	}
	for _, file := range slices.Sorted(maps.Keys(parsed)) {
		if failed[file] {
			continue
		}
		for _, a := range parsed[file] {
			for _, id := range a.ids {
				if used[acceptKey{a.at, id}] || slices.Contains(situational, id) {
					continue
				}
				d := unusedAcceptance(a, id, diags)
				for _, i := range readers[file] {
					out[i] = append(out[i], d)
				}
			}
		}
	}
	for _, ds := range out {
		ds.Sort()
	}
	return out
}

// accepts says whether a comment names the warning at its line, and marks
// each one that does as used.
func accepts(all []acceptance, d Diagnostic, used map[acceptKey]bool) bool {
	if d.Severity != Warning || d.ID == "" || d.ID == WarnAcceptUnused {
		return false
	}
	accepted := false
	for _, a := range all {
		if a.at.File == d.Pos.File && a.line == d.Pos.Line && slices.Contains(a.ids, d.ID) {
			used[acceptKey{a.at, d.ID}], accepted = true, true
		}
	}
	return accepted
}

func unusedAcceptance(a acceptance, id string, diags []Diagnostics) Diagnostic {
	d := Diagnostic{Pos: a.at, Severity: Warning, ID: WarnAcceptUnused}
	switch {
	case id == "":
		d.Message = acceptMarker + " names no warning"
		d.Hint = "name the warning's id after it, as its diagnostic shows"
		return d
	case id == WarnAcceptUnused:
		d.Message = "an acceptance that accepts nothing cannot itself be accepted"
		d.Hint = "remove the comment that accepts nothing"
		return d
	case !slices.Contains(WarningIDs, id):
		d.Message = fmt.Sprintf("kuberatorc gives no warning %q", id)
		d.Hint = suggestion(id, WarningIDs)
		return d
	}
	d.Message = fmt.Sprintf("no %s warning at line %d to accept", id, a.line)
	d.Hint = "remove the comment, or put it on the line the warning points at"
	var here []string
	for _, ds := range diags {
		for _, w := range ds {
			if w.Severity == Warning && w.ID != "" && w.Pos.File == a.at.File && w.Pos.Line == a.line && !slices.Contains(here, w.ID) {
				here = append(here, w.ID)
			}
		}
	}
	if len(here) > 0 {
		slices.Sort(here)
		d.Hint = "the warnings at that line are " + strings.Join(here, ", ")
	}
	return d
}

// acceptancesIn finds the kuberatorc:accept comments of a spec file with
// CUE's own parser, so a marker inside a string is not one.
func acceptancesIn(src Source) []acceptance {
	if !bytes.Contains(src.Data, []byte(acceptMarker)) {
		return nil
	}
	f, err := parser.ParseFile(src.Path, src.Data, parser.ParseComments)
	if err != nil {
		return nil // load reports it
	}
	var out []acceptance
	seen := map[int]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		c, ok := n.(*ast.Comment)
		if !ok || seen[c.Slash.Offset()] {
			return true
		}
		seen[c.Slash.Offset()] = true
		text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		rest, ok := strings.CutPrefix(text, acceptMarker)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
			return true
		}
		a := acceptance{at: posOf(c.Slash), line: c.Slash.Line()}
		if ownLine(src.Data, c.Slash.Offset()) {
			a.line++
		}
		// The ids run to the first word not after a comma ("a, b" or "a,b").
		for _, word := range strings.Fields(rest) {
			for _, id := range strings.Split(strings.TrimRight(word, ":"), ",") {
				if id != "" {
					a.ids = append(a.ids, id)
				}
			}
			if !strings.HasSuffix(word, ",") {
				break
			}
		}
		if len(a.ids) == 0 {
			a.ids = []string{""}
		}
		out = append(out, a)
		return true
	}, nil)
	return out
}

// ownLine says whether only blanks precede offset on its line.
func ownLine(data []byte, offset int) bool {
	start := bytes.LastIndexByte(data[:offset], '\n') + 1
	return len(bytes.TrimSpace(data[start:offset])) == 0
}
