package compiler

import (
	"bytes"
	"fmt"
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

// accept drops the warnings that a comment in the spec accepts, and warns
// about a comment that accepts nothing (in a spec without errors), so no
// stale acceptance stays.
func accept(ds Diagnostics, srcs []Source) Diagnostics {
	var all []acceptance
	for _, src := range srcs {
		all = append(all, acceptancesIn(src)...)
	}
	if len(all) == 0 {
		return ds
	}
	used := make([][]bool, len(all))
	for i, a := range all {
		used[i] = make([]bool, len(a.ids))
	}
	out := ds[:0:0]
	for _, d := range ds {
		if !acceptedBy(d, all, used) {
			out = append(out, d)
		}
	}
	if ds.HasErrors(false) {
		// An error stops the checks that follow it, and their warnings
		// with them: an acceptance is not stale for want of one.
		return out
	}
	for i, a := range all {
		for j, id := range a.ids {
			if !used[i][j] {
				out = append(out, unusedAcceptance(a, id, ds))
			}
		}
	}
	return out
}

// acceptedBy marks the acceptances that name the warning at its line.
func acceptedBy(d Diagnostic, all []acceptance, used [][]bool) bool {
	if d.Severity != Warning || d.ID == "" || d.ID == WarnAcceptUnused {
		return false
	}
	accepted := false
	for i, a := range all {
		if a.at.File != d.Pos.File || a.line != d.Pos.Line {
			continue
		}
		if j := slices.Index(a.ids, d.ID); j >= 0 {
			used[i][j], accepted = true, true
		}
	}
	return accepted
}

func unusedAcceptance(a acceptance, id string, ds Diagnostics) Diagnostic {
	d := Diagnostic{Pos: a.at, Severity: Warning, ID: WarnAcceptUnused}
	if !slices.Contains(WarningIDs, id) {
		d.Message = fmt.Sprintf("kuberatorc gives no warning %q", id)
		d.Hint = suggestion(id, WarningIDs)
		if id == "" {
			d.Message = acceptMarker + " names no warning"
			d.Hint = "name the warning's id after it, as its diagnostic shows"
		}
		return d
	}
	d.Message = fmt.Sprintf("no %s warning at line %d to accept", id, a.line)
	d.Hint = "remove the comment, or put it on the line the warning points at"
	var here []string
	for _, w := range ds {
		if w.Severity == Warning && w.ID != "" && w.Pos.File == a.at.File && w.Pos.Line == a.line {
			here = append(here, w.ID)
		}
	}
	if len(here) > 0 {
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
		if fields := strings.Fields(rest); len(fields) > 0 {
			for _, id := range strings.Split(strings.TrimRight(fields[0], ":,"), ",") {
				if id != "" {
					a.ids = append(a.ids, id)
				}
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
