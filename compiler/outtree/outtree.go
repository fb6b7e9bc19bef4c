// Package outtree is kuberatorc's output directory: where a build writes and
// what a diff compares with. It owns four promises.
//
//   - Confined: every path resolves beneath the directory through an os.Root,
//     and a symbolic link anywhere on a path it touches is refused, so a link
//     planted in a pull request cannot send a write, a removal or a diff's
//     read elsewhere.
//   - Owned: a manifest lists what kuberatorc generated; a build removes only
//     files listed there, never overwrites anything else, and accepts only a
//     manifest whose entries are paths the generator could have produced.
//   - Crash-safe: a build stages its files, then commits a journal of the
//     moves and removals that turn the old tree into the new one, then carries
//     it out. Killed before the journal is committed, the old tree stands;
//     after, the next build finishes the journal first. Either way the next
//     run sees the whole old tree or the whole new one.
//   - Serialised: a build holds an exclusive lock on the directory, a diff a
//     shared one, so concurrent builds wait for each other.
package outtree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// Files of the output root that are kuberatorc's own, never generated output.
const (
	// ManifestName records what kuberatorc generated here.
	ManifestName = ".kuberatorc-manifest.json"
	journalName  = ".kuberatorc-journal.json"
	stageName    = ".kuberatorc-stage"
)

type manifest struct {
	Generator string   `json:"generator"`
	Files     []string `json:"files"`
}

// journal is the committed intent of a build: the moves from the stage into
// place, the removals, and last the new manifest.
type journal struct {
	Moves    []move   `json:"moves"`
	Removes  []string `json:"removes"`
	Manifest string   `json:"manifest"`
}

type move struct {
	From string `json:"from"`
	To   string `json:"to"`
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

// SymlinkError is a symbolic link on a path kuberatorc would touch.
type SymlinkError struct{ Path string }

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link; kuberatorc reads and writes only real files and directories under its output directory (replace the link with a directory)", e.Path)
}

// Tree is an output directory opened for a build or a diff.
type Tree struct {
	dir  string
	root *os.Root // nil when the directory does not exist (a diff of nothing)
	lock *os.File
}

// Open opens dir for a build: it creates the directory, waits for any other
// build to finish, finishes a build that was interrupted, and clears what
// an interrupted build staged.
func Open(dir string) (*Tree, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	t, err := open(dir, syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	if err := t.recover(); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// OpenReadOnly opens dir to compare with: it waits for a build in progress
// and refuses a tree an interrupted build left half-written. A directory that
// does not exist reads as empty.
func OpenReadOnly(dir string) (*Tree, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return &Tree{dir: dir}, nil
	}
	t, err := open(dir, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	if _, err := t.root.Lstat(journalName); err == nil {
		t.Close()
		return nil, fmt.Errorf("%s holds a build that was interrupted; run kuberatorc build to finish it", dir)
	}
	return t, nil
}

// open opens the root and locks the directory itself, so that no lock file
// appears in a tree a team commits.
func open(dir string, how int) (*Tree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	lock, err := os.Open(dir)
	if err != nil {
		root.Close()
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), how); err != nil {
		root.Close()
		lock.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return &Tree{dir: dir, root: root, lock: lock}, nil
}

// Close releases the lock.
func (t *Tree) Close() error {
	if t.root == nil {
		return nil
	}
	t.lock.Close() // closing the descriptor releases the flock
	return t.root.Close()
}

// Write makes the directory hold exactly the file set's generated files. It
// checks everything before it changes anything; files whose bytes are
// already there are not touched.
func (t *Tree) Write(files fileset.FileSet) (Summary, error) {
	var sum Summary
	for _, p := range files.Paths() {
		if !Generated(p) {
			return sum, fmt.Errorf("kuberatorc: internal error: %q is not a path the generator writes", p)
		}
	}
	old, err := t.manifest()
	if err != nil {
		return sum, err
	}
	changed, err := t.changes(files, old, &sum)
	if err != nil {
		return sum, err
	}
	var removes []string
	for _, p := range old {
		if _, still := files[p]; !still {
			if err := t.noSymlinks(p); err != nil {
				return sum, err
			}
			removes = append(removes, p)
			sum.Removed = append(sum.Removed, p)
		}
	}
	man, err := json.MarshalIndent(manifest{Generator: "kuberatorc", Files: files.Paths()}, "", "  ")
	if err != nil {
		return sum, err
	}
	man = append(man, '\n')
	if cur, _ := t.root.ReadFile(ManifestName); len(changed) == 0 && len(removes) == 0 && bytes.Equal(cur, man) {
		return sum, nil // nothing to do: nothing is staged or rewritten
	}
	j, err := t.stage(changed, man)
	if err != nil {
		return sum, err
	}
	j.Removes = removes
	if err := t.commit(j); err != nil {
		return sum, err
	}
	return sum, t.apply(j)
}

// changes returns the files whose bytes differ from disk, and fails if any
// of them would overwrite a file kuberatorc did not generate.
func (t *Tree) changes(files fileset.FileSet, old []string, sum *Summary) (map[string][]byte, error) {
	changed := map[string][]byte{}
	var conflicts []string
	for _, p := range files.Paths() {
		if err := t.noSymlinks(p); err != nil {
			return nil, err
		}
		cur, err := t.root.ReadFile(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changed[p] = files[p]
			sum.Written = append(sum.Written, p)
		case err != nil:
			return nil, err
		case !slices.Contains(old, p):
			conflicts = append(conflicts, path.Join(t.dir, p))
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

// stage writes the changed files and the new manifest into the stage, and
// creates every directory they move into, so the commit has only renames
// and removals left to do.
func (t *Tree) stage(changed map[string][]byte, man []byte) (journal, error) {
	j := journal{Manifest: stageName + "/" + ManifestName}
	if err := t.root.RemoveAll(stageName); err != nil {
		return j, err
	}
	if err := t.root.Mkdir(stageName, 0o755); err != nil {
		return j, err
	}
	for _, p := range slices.Sorted(maps.Keys(changed)) {
		staged := stageName + "/" + strings.ReplaceAll(p, "/", "%")
		if err := t.root.WriteFile(staged, changed[p], 0o644); err != nil {
			return j, err
		}
		if err := t.root.MkdirAll(path.Dir(p), 0o755); err != nil {
			return j, err
		}
		j.Moves = append(j.Moves, move{From: staged, To: p})
	}
	return j, t.root.WriteFile(j.Manifest, man, 0o644)
}

// commit makes the journal the tree's intent: written aside, synced, then
// renamed into place in one step.
func (t *Tree) commit(j journal) error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	f, err := t.root.OpenFile(journalName+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	step("staged")
	if err := t.root.Rename(journalName+".tmp", journalName); err != nil {
		return err
	}
	step("committed")
	return nil
}

// apply carries out a committed journal. Every step can be done again: a
// move whose source is gone was made, a removal of a missing file was made.
func (t *Tree) apply(j journal) error {
	for _, m := range j.Moves {
		if _, err := t.root.Lstat(m.From); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := t.root.MkdirAll(path.Dir(m.To), 0o755); err != nil {
			return err
		}
		if err := t.root.Rename(m.From, m.To); err != nil {
			return err
		}
		step("moved")
	}
	for _, p := range j.Removes {
		if err := t.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		t.pruneEmptyDirs(path.Dir(p))
		step("removed")
	}
	if _, err := t.root.Lstat(j.Manifest); err == nil {
		if err := t.root.Rename(j.Manifest, ManifestName); err != nil {
			return err
		}
	}
	step("manifest")
	if err := t.root.Remove(journalName); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return t.root.RemoveAll(stageName)
}

// recover finishes a committed journal and clears what an interrupted build
// staged but never committed (including the stage directories of earlier
// versions of kuberatorc).
func (t *Tree) recover() error {
	if data, err := t.root.ReadFile(journalName); err == nil {
		var j journal
		if err := json.Unmarshal(data, &j); err != nil || !j.valid() {
			return fmt.Errorf("%s is not a journal kuberatorc wrote; remove it, and check the tree by hand", path.Join(t.dir, journalName))
		}
		if err := t.apply(j); err != nil {
			return fmt.Errorf("finishing an interrupted build: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := t.root.Remove(journalName + ".tmp"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	entries, err := t.readDir(".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stageName) {
			if err := t.root.RemoveAll(e.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

// valid says a journal only moves staged files to generated paths and
// removes generated paths, so a planted one cannot touch anything else.
func (j journal) valid() bool {
	staged := func(p string) bool {
		rest, ok := strings.CutPrefix(p, stageName+"/")
		return ok && rest != "" && !strings.Contains(rest, "/") && rest != ".." && rest != "."
	}
	if !staged(j.Manifest) {
		return false
	}
	for _, m := range j.Moves {
		if !staged(m.From) || !Generated(m.To) {
			return false
		}
	}
	for _, p := range j.Removes {
		if !Generated(p) {
			return false
		}
	}
	return true
}

// manifest reads the list of generated files, refusing one that names a path
// the generator could not have produced.
func (t *Tree) manifest() ([]string, error) {
	if t.root == nil {
		return nil, nil
	}
	if err := t.noSymlinks(ManifestName); err != nil {
		return nil, err
	}
	data, err := t.root.ReadFile(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Generator != "kuberatorc" {
		return nil, fmt.Errorf("%s is not a kuberatorc manifest; remove it or choose another output directory", path.Join(t.dir, ManifestName))
	}
	for _, p := range m.Files {
		if !Generated(p) {
			return nil, fmt.Errorf("%s lists %q, which kuberatorc never generates; remove the manifest or fix it by hand",
				path.Join(t.dir, ManifestName), p)
		}
	}
	return m.Files, nil
}

// Generated says whether a path is one the generator could have produced:
// Terraform JSON or YAML under one of its three trees, with no hidden or
// parent component.
func Generated(p string) bool {
	if !fs.ValidPath(p) || !(strings.HasSuffix(p, ".tf.json") || strings.HasSuffix(p, ".yaml")) {
		return false
	}
	parts := strings.Split(p, "/")
	if len(parts) < 3 || !slices.Contains([]string{"terraform", "kubernetes", "newrelic"}, parts[0]) {
		return false
	}
	for _, part := range parts {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// noSymlinks refuses a path any existing component of which is a link.
func (t *Tree) noSymlinks(p string) error {
	if t.root == nil {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		prefix := strings.Join(parts[:i+1], "/")
		info, err := t.root.Lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Path: path.Join(t.dir, prefix)}
		}
	}
	return nil
}

func (t *Tree) readDir(dir string) ([]fs.DirEntry, error) {
	f, err := t.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// pruneEmptyDirs removes dir and its parents while they are empty.
func (t *Tree) pruneEmptyDirs(dir string) {
	for ; dir != "." && dir != "/" && dir != ""; dir = path.Dir(dir) {
		if t.root.Remove(dir) != nil {
			return
		}
	}
}

// step marks a point a build can be interrupted at; tests crash there.
var step = func(string) {}
