package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// ManifestName is the file in the output root that records what kuberatorc
// generated there, so a later build removes what it no longer generates and
// never touches anything else.
const ManifestName = ".kuberatorc-manifest.json"

type manifest struct {
	Generator string   `json:"generator"`
	Files     []string `json:"files"`
}

// Summary says what a write did, path by path.
type Summary struct {
	Written, Unchanged, Removed []string
}

func (s Summary) String() string {
	return fmt.Sprintf("%d written, %d unchanged, %d removed", len(s.Written), len(s.Unchanged), len(s.Removed))
}

// ConflictError is a generated path that exists on disk but was not written
// by kuberatorc: it is left alone and the write does not happen.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("refusing to overwrite files kuberatorc did not generate: %s (move them, or choose another output directory)",
		strings.Join(e.Paths, ", "))
}

// Write puts the file set under root. It checks everything before it changes
// anything, stages changed files inside root and renames them into place, then
// removes files an earlier build generated and this one does not.
func Write(files fileset.FileSet, root string) (Summary, error) {
	var sum Summary
	old, err := readManifest(root)
	if err != nil {
		return sum, err
	}
	changed, err := plannedChanges(files, root, old, &sum)
	if err != nil {
		return sum, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return sum, err
	}
	stage, err := os.MkdirTemp(root, ".kuberatorc-stage-")
	if err != nil {
		return sum, err
	}
	defer os.RemoveAll(stage)

	man, err := json.MarshalIndent(manifest{Generator: "kuberatorc", Files: files.Paths()}, "", "  ")
	if err != nil {
		return sum, err
	}
	changed[ManifestName] = append(man, '\n')
	for _, p := range slices.Sorted(maps.Keys(changed)) {
		if err := os.WriteFile(filepath.Join(stage, flat(p)), changed[p], 0o644); err != nil {
			return sum, err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(changed)) {
		dst := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return sum, err
		}
		if err := os.Rename(filepath.Join(stage, flat(p)), dst); err != nil {
			return sum, err
		}
	}
	for _, p := range old {
		if _, still := files[p]; still {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(p))
		if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return sum, err
		}
		sum.Removed = append(sum.Removed, p)
		pruneEmptyDirs(root, filepath.Dir(dst))
	}
	return sum, nil
}

// plannedChanges returns the files whose bytes differ from disk, and fails if
// any of them would overwrite a file kuberatorc did not generate.
func plannedChanges(files fileset.FileSet, root string, old []string, sum *Summary) (map[string][]byte, error) {
	changed := map[string][]byte{}
	var conflicts []string
	for _, p := range files.Paths() {
		cur, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changed[p] = files[p]
			sum.Written = append(sum.Written, p)
		case err != nil:
			return nil, err
		case !slices.Contains(old, p):
			conflicts = append(conflicts, filepath.Join(root, filepath.FromSlash(p)))
		case bytes.Equal(cur, files[p]):
			sum.Unchanged = append(sum.Unchanged, p)
		default:
			changed[p] = files[p]
			sum.Written = append(sum.Written, p)
		}
	}
	if conflicts != nil {
		return nil, &ConflictError{Paths: conflicts}
	}
	return changed, nil
}

func readManifest(root string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Generator != "kuberatorc" {
		return nil, fmt.Errorf("%s is not a kuberatorc manifest; remove it or choose another output directory",
			filepath.Join(root, ManifestName))
	}
	for _, p := range m.Files {
		if !filepath.IsLocal(filepath.FromSlash(p)) {
			return nil, fmt.Errorf("%s lists %q, which is outside the output directory", filepath.Join(root, ManifestName), p)
		}
	}
	return m.Files, nil
}

// flat names a staged file without directories.
func flat(p string) string { return strings.ReplaceAll(p, "/", "%") }

// pruneEmptyDirs removes dir and its parents up to root while they are empty.
func pruneEmptyDirs(root, dir string) {
	root = filepath.Clean(root)
	for dir = filepath.Clean(dir); dir != root && strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}
