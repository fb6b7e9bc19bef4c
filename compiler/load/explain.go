package load

import (
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/errors"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/text"
)

// explainer makes a CUE error about a spec of several files readable: it
// knows the files, in order (shared first, the environment's own last), and
// the fields the schema allows at each path.
type explainer struct {
	srcs []Source
	env  cue.Value // #Environment & spec
}

// explain improves one diagnostic: a misspelt field gets the field it
// probably meant, and a conflict between two files names both and says how
// a shared file lets an environment change its value.
func (x *explainer) explain(d *diag.Diagnostic, e errors.Error, path []string, ps model.Positions) {
	if x == nil {
		return
	}
	format, _ := e.Msg()
	switch {
	case strings.Contains(format, "field not allowed") && len(path) > 0 && x.env.Exists():
		if s := x.didYouMean(path); s != "" {
			d.Hint = s
		}
	case strings.HasPrefix(format, "conflicting values"):
		x.conflict(d, e, path, ps)
	}
}

// didYouMean suggests the allowed field closest to a misspelt one.
func (x *explainer) didYouMean(path []string) string {
	parent := x.env.LookupPath(cue.MakePath(selectors(path[:len(path)-1])...))
	it, err := parent.Fields(cue.Optional(true))
	if err != nil {
		return ""
	}
	var names []string
	for it.Next() {
		if name := selectorName(it.Selector()); name != path[len(path)-1] {
			names = append(names, name)
		}
	}
	if s := text.Suggest(path[len(path)-1], names); strings.HasPrefix(s, "did you mean") {
		return s
	}
	return ""
}

func selectors(path []string) []cue.Selector {
	out := make([]cue.Selector, 0, len(path))
	for _, p := range path {
		out = append(out, cue.Str(p))
	}
	return out
}

// conflict places a clash between two spec files at the environment's own
// file, names the other position, and, when the other is a shared file,
// shows the default that would let the environment win.
func (x *explainer) conflict(d *diag.Diagnostic, e errors.Error, path []string, ps model.Positions) {
	var positions []model.Pos
	for _, p := range errors.Positions(e) {
		pos := posOf(p)
		if x.fileIndex(pos.File) >= 0 && !slices.Contains(positions, pos) {
			positions = append(positions, pos)
		}
	}
	if len(positions) < 2 {
		return
	}
	slices.SortStableFunc(positions, func(a, b model.Pos) int { return x.fileIndex(b.File) - x.fileIndex(a.File) })
	own, other := positions[0], positions[len(positions)-1]
	if own.File == other.File {
		return
	}
	d.Pos = own
	d.Message += fmt.Sprintf(" (the other value is at %s)", other)
	if len(path) == 0 {
		return
	}
	field := path[len(path)-1]
	if v := x.tokenAt(other); v != "" && !strings.Contains(d.Message, "mismatched types") {
		d.Hint = fmt.Sprintf("%s sets %s for every environment; to let one environment change it, make it a default there: %s: *%s | %s",
			other.File, field, field, v, kindOf(v))
	}
}

func (x *explainer) fileIndex(file string) int {
	return slices.IndexFunc(x.srcs, func(s Source) bool { return s.Path == file })
}

// tokenAt is the literal written at a position: a number, a quoted string,
// true or false; "" for anything longer.
func (x *explainer) tokenAt(pos model.Pos) string {
	i := x.fileIndex(pos.File)
	if i < 0 || pos.Line < 1 {
		return ""
	}
	lines := strings.Split(string(x.srcs[i].Data), "\n")
	if pos.Line > len(lines) || pos.Column < 1 || pos.Column > len(lines[pos.Line-1]) {
		return ""
	}
	rest := lines[pos.Line-1][pos.Column-1:]
	end := strings.IndexAny(rest, ",}] \t")
	if strings.HasPrefix(rest, `"`) {
		end = strings.Index(rest[1:], `"`) + 2
	}
	if end > 0 {
		rest = rest[:end]
	}
	if kindOf(rest) == "" {
		return ""
	}
	return rest
}

// kindOf is the CUE type of a literal.
func kindOf(lit string) string {
	switch {
	case lit == "true" || lit == "false":
		return "bool"
	case strings.HasPrefix(lit, `"`) && strings.HasSuffix(lit, `"`) && len(lit) > 1:
		return "string"
	case strings.Trim(lit, "0123456789") == "" && lit != "":
		return "int"
	case strings.Trim(lit, "0123456789.") == "" && strings.Count(lit, ".") == 1:
		return "number"
	}
	return ""
}
