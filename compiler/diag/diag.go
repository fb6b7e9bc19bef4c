// Package diag is what every stage of the compiler reports: a Diagnostic
// is one finding about a spec, positioned at the field it is about, with a
// severity, a hint and (for a warning) the id a spec accepts it by. It also
// knows how credentials look, so that no diagnostic repeats one.
package diag

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/parallel"
)

// Severity says whether a diagnostic fails a build.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	// Note reports a choice the compiler made for the user; it never fails.
	Note Severity = "note"
)

// Diagnostic is one finding about a spec, positioned at the field it is about.
type Diagnostic struct {
	Pos      model.Pos `json:"-"`
	Severity Severity  `json:"severity"`
	Message  string    `json:"message"`
	Hint     string    `json:"hint,omitempty"`
	// ID names a warning, so that a spec can accept it at its line with a
	// // kuberatorc:accept <id> comment.
	ID string `json:"id,omitempty"`
	// Envs names the environments a finding is about, when several are
	// compiled at once.
	Envs []string `json:"environments,omitempty"`
}

// Diagnostics is every finding of one run.
type Diagnostics []Diagnostic

func (ds *Diagnostics) add(sev Severity, pos model.Pos, hint, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Severity: sev, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// Errorf adds an error at pos.
func (ds *Diagnostics) Errorf(pos model.Pos, hint, format string, args ...any) {
	ds.add(Error, pos, hint, format, args...)
}

// Warnf adds a warning at pos, with the id a spec accepts it by.
func (ds *Diagnostics) Warnf(id string, pos model.Pos, hint, format string, args ...any) {
	ds.add(Warning, pos, hint, format, args...)
	(*ds)[len(*ds)-1].ID = id
}

// Notef adds a note at pos: a choice made for the user.
func (ds *Diagnostics) Notef(pos model.Pos, hint, format string, args ...any) {
	ds.add(Note, pos, hint, format, args...)
}

// Redact hides credentials in every message and hint: a value CUE rejects is
// quoted in its error, and a secret must not reach a CI log.
func (ds Diagnostics) Redact() {
	// On every core: thousands of warnings, each searched for every form
	// of credential, took 2% of a vet at 5,000 workloads.
	parallel.Each(len(ds), func(i int) {
		ds[i].Message, ds[i].Hint = Redact(ds[i].Message), Redact(ds[i].Hint)
	})
}

// HasErrors reports whether any diagnostic is an error, or (strict) a warning.
func (ds Diagnostics) HasErrors(strict bool) bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool {
		return d.Severity == Error || strict && d.Severity == Warning
	})
}

// Sort orders diagnostics by file, line, column, then message, so output is stable.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

func (d Diagnostic) String() string {
	msg := d.Message
	if len(d.Envs) > 0 {
		msg = "[" + strings.Join(d.Envs, ", ") + "] " + msg
	}
	s := fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, msg)
	if d.Hint != "" {
		s += "\n\thint: " + d.Hint
	}
	if d.ID != "" && d.ID != AcceptUnused && d.ID != EnvironmentWithoutSpec {
		s += "\n\tto accept it: // " + AcceptMarker + " " + d.ID + " (on this line or the line above)"
	}
	return s
}

// WriteText prints diagnostics as path:line:col: severity: message.
func (ds Diagnostics) WriteText(w io.Writer) error {
	// Several diagnostics to a write, not one each (a spec of thousands of
	// workloads can have thousands of warnings), but whole ones and at
	// most pipeBuf bytes, so that a write to a pipe another process shares
	// stays atomic, as one line each was.
	var buf []byte
	for _, d := range ds {
		text := d.String() + "\n"
		if len(buf) > 0 && len(buf)+len(text) > pipeBuf {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		buf = append(buf, text...)
	}
	if len(buf) > 0 {
		_, err := w.Write(buf)
		return err
	}
	return nil
}

// pipeBuf is POSIX's PIPE_BUF on Linux: a write of at most this many bytes
// to a pipe is not interleaved with another's.
const pipeBuf = 4096

type jsonDiagnostic struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Diagnostic
}

// WriteJSON prints diagnostics as one JSON array, for CI annotations.
func (ds Diagnostics) WriteJSON(w io.Writer) error {
	out := make([]jsonDiagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, jsonDiagnostic{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, Diagnostic: d})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
