package load

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/text"
)

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

// Accept drops from each environment's diagnostics the warnings that a
// comment in its files accepts. A comment that accepts nothing in every
// environment that reads it, all of them free of errors, is itself a
// warning, given to each of those environments, so no stale acceptance
// stays. An error stops the checks that follow it, and their warnings with
// them: an acceptance is not stale for want of one.
func Accept(diags []diag.Diagnostics, sources [][]Source) []diag.Diagnostics {
	parsed := map[string][]acceptance{} // by file: a shared file is read once
	used := map[acceptKey]bool{}
	readers := map[string][]int{} // the environments that read each file
	failed := map[string]bool{}   // files read by an environment with errors
	out := make([]diag.Diagnostics, len(diags))
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
		out[i] = slices.DeleteFunc(slices.Clone(diags[i]), func(d diag.Diagnostic) bool { return accepts(all, d, used) })
	}
	for _, file := range slices.Sorted(maps.Keys(parsed)) {
		if failed[file] {
			continue
		}
		for _, a := range parsed[file] {
			for _, id := range a.ids {
				if used[acceptKey{a.at, id}] || slices.Contains(diag.Situational, id) {
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
func accepts(all []acceptance, d diag.Diagnostic, used map[acceptKey]bool) bool {
	if d.Severity != diag.Warning || d.ID == "" || d.ID == diag.AcceptUnused {
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

func unusedAcceptance(a acceptance, id string, diags []diag.Diagnostics) diag.Diagnostic {
	d := diag.Diagnostic{Pos: a.at, Severity: diag.Warning, ID: diag.AcceptUnused}
	switch {
	case id == "":
		d.Message = diag.AcceptMarker + " names no warning"
		d.Hint = "name the warning's id after it, as its diagnostic shows"
		return d
	case id == diag.AcceptUnused:
		d.Message = "an acceptance that accepts nothing cannot itself be accepted"
		d.Hint = "remove the comment that accepts nothing"
		return d
	case !slices.Contains(diag.WarningIDs, id):
		d.Message = fmt.Sprintf("kuberatorc gives no warning %q", id)
		d.Hint = text.Suggest(id, diag.WarningIDs)
		return d
	}
	d.Message = fmt.Sprintf("no %s warning at line %d to accept", id, a.line)
	d.Hint = "remove the comment, or put it on the line the warning points at"
	var here []string
	for _, ds := range diags {
		for _, w := range ds {
			if w.Severity == diag.Warning && w.ID != "" && w.Pos.File == a.at.File && w.Pos.Line == a.line && !slices.Contains(here, w.ID) {
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

// kept holds the acceptances of the spec files load has parsed, by path
// and content, so that Accept need not parse them again: at thousands of
// workloads, parsing the spec costs tens of milliseconds.
var kept sync.Map // keptKey → []acceptance

type keptKey struct {
	path string
	sum  [sha256.Size]byte
}

// keepAcceptances keeps the acceptances of a spec file parsed with its
// comments.
func keepAcceptances(src Source, f *ast.File) {
	if bytes.Contains(src.Data, []byte(diag.AcceptMarker)) {
		kept.Store(keptKey{src.Path, sha256.Sum256(src.Data)}, acceptancesOf(src, f))
	}
}

// acceptancesIn finds the kuberatorc:accept comments of a spec file with
// CUE's own parser, so a marker inside a string is not one.
func acceptancesIn(src Source) []acceptance {
	if !bytes.Contains(src.Data, []byte(diag.AcceptMarker)) {
		return nil
	}
	if as, ok := kept.Load(keptKey{src.Path, sha256.Sum256(src.Data)}); ok {
		return as.([]acceptance)
	}
	f, err := parser.ParseFile(src.Path, src.Data, parser.ParseComments)
	if err != nil {
		return nil // load reports it
	}
	return acceptancesOf(src, f)
}

// acceptancesOf finds the kuberatorc:accept comments of a parsed spec file.
func acceptancesOf(src Source, f *ast.File) []acceptance {
	var out []acceptance
	seen := map[int]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		c, ok := n.(*ast.Comment)
		if !ok || seen[c.Slash.Offset()] {
			return true
		}
		seen[c.Slash.Offset()] = true
		text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		rest, ok := strings.CutPrefix(text, diag.AcceptMarker)
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
