// Package fileset is what emitters produce: generated files by relative path.
// The same set can be written to disk, compared with a directory, or handed to
// kustomize in memory.
package fileset

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// FileSet maps slash-separated paths, relative to the output root, to contents.
type FileSet map[string][]byte

// Paths returns the paths in order.
func (fs FileSet) Paths() []string { return slices.Sorted(maps.Keys(fs)) }

// Merge adds other's files; a path produced twice is a bug in an emitter.
func (fs FileSet) Merge(other FileSet) {
	for p, data := range other {
		if _, dup := fs[p]; dup {
			panic("fileset: two emitters produced " + p)
		}
		fs[p] = data
	}
}

// JSON encodes v with two-space indent, sorted map keys, no HTML escaping
// (so "<" in an eviction threshold stays readable) and a trailing newline.
func JSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
