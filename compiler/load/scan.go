package load

import (
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// scanned is what the user's files say on their own: where each field is
// written, keyed by dotted path, and the literals that look like secrets;
// or, when they do not build on their own, why.
type scanned struct {
	positions model.Positions
	secrets   diag.Diagnostics
	errors    diag.Diagnostics
}

// scanBeside scans the user's files in a cue.Context of their own, so the
// walk runs on another core while load unifies the spec with the schema: a
// context is not safe for concurrent use, two contexts are. It parses the
// files with their comments and keeps the acceptances in them for Accept.
func scanBeside(srcs []Source) <-chan scanned {
	out := make(chan scanned, 1)
	go func() {
		files, diags := parseSpec(srcs, parser.ParseComments)
		if diags != nil {
			out <- scanned{errors: diags} // load reports them
			return
		}
		for _, f := range files {
			keepAcceptances(srcs[f.named], f.file)
		}
		spec, diags := buildSpec(cuecontext.New(), srcs, files)
		if diags != nil {
			out <- scanned{errors: diags} // load reports them
			return
		}
		out <- scanSpec(spec, srcs)
	}()
	return out
}

// scanSpec walks the user's files once, for both the positions and the
// secrets: each walk costs as much as exporting the spec.
func scanSpec(spec cue.Value, srcs []Source) scanned {
	s := scanned{positions: model.Positions{}}
	if len(srcs) > 0 {
		s.positions[""] = model.Pos{File: srcs[0].Path, Line: 1, Column: 1}
	}
	var walk func(v cue.Value, path []string)
	walk = func(v cue.Value, path []string) {
		if len(path) > 0 {
			s.positions[strings.Join(path, ".")] = fieldPos(v)
		}
		switch v.IncompleteKind() {
		case cue.StructKind:
			it, err := v.Fields(cue.Optional(true))
			if err != nil {
				return
			}
			for it.Next() {
				checkLiteral(&s.secrets, it.Selector().Unquoted(), labelPos(it.Value()))
				walk(it.Value(), append(slices.Clip(path), selectorName(it.Selector())))
			}
		case cue.ListKind:
			it, err := v.List()
			if err != nil {
				return
			}
			for i := 0; it.Next(); i++ {
				walk(it.Value(), append(slices.Clip(path), strconv.Itoa(i)))
			}
		case cue.StringKind:
			if str, err := v.String(); err == nil {
				checkLiteral(&s.secrets, str, fieldPos(v))
				if isFileContent(path) {
					checkAssigned(&s.secrets, str, fieldPos(v))
				}
			}
		case cue.BytesKind:
			// A bytes literal ('…') is written out base64-encoded, where no
			// reader would see the secret in it.
			if b, err := v.Bytes(); err == nil {
				checkLiteral(&s.secrets, string(b), fieldPos(v))
			}
		}
	}
	walk(spec, nil)
	return s
}
