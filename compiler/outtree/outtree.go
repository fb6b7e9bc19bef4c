// Package outtree is kuberatorc's output directory: where a build writes and
// what a diff compares with. It owns four promises.
//
//   - Confined: every path resolves beneath the directory through an os.Root,
//     and a symbolic link anywhere on a path it touches is refused, so a link
//     planted in a pull request cannot send a write, a removal or a diff's
//     read elsewhere.
//   - Owned: a manifest lists what kuberatorc generated, environment by
//     environment; a build removes only files listed there, never overwrites
//     anything else, and accepts only a manifest whose entries are paths the
//     generator could have produced. Building one environment never touches
//     another's files; the shared bases belong to every environment that
//     uses them and go only when none does.
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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/internal/parallel"
)

// Files of the output root that are kuberatorc's own, never generated output.
const (
	// ManifestName records what kuberatorc generated here.
	ManifestName = ".kuberatorc-manifest.json"
	journalName  = ".kuberatorc-journal.json"
	stageName    = ".kuberatorc-stage"
)

type manifest struct {
	Generator string `json:"generator"`
	Version   string `json:"version,omitempty"`
	// Environments maps each environment to the files it generated.
	Environments map[string][]string `json:"environments,omitempty"`
	// Digests say, per environment, what the files were generated from
	// and what they held, so a rebuild of unchanged inputs over an intact
	// tree can stop after reading it.
	Digests map[string]Digest `json:"digests,omitempty"`
	// Specs names, per environment, the spec file it is built from, by its
	// path from the repository root: a second spec claiming the name is
	// another environment, not this one.
	Specs map[string]string `json:"specs,omitempty"`
	// Files is the single list kuberatorc wrote before environments had
	// their own: read, never written.
	Files []string `json:"files,omitempty"`
}

// Digest is what one environment's files were generated from (the spec's
// bytes and the generator's version) and a hash of the files as written.
type Digest struct {
	Inputs string `json:"inputs"`
	Output string `json:"output"`
}

// OutputDigest hashes a file set: its paths and bytes, in path order.
func OutputDigest(files fileset.FileSet) string {
	h := sha256.New()
	for _, p := range files.Paths() {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(files[p]))
		h.Write(files[p])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Build is what a write or a diff is about.
type Build struct {
	// Envs holds each built environment's files.
	Envs map[string]fileset.FileSet
	// Prune drops the environments the manifest lists and Envs lacks, with
	// their files, unless the spec the manifest records for one still
	// exists (it was built from elsewhere); without it they are left as
	// they are.
	Prune bool
	// SpecRoot is what the manifest's spec paths are relative to.
	SpecRoot string
	// Version is the generator's, recorded in the manifest.
	Version string
	// Inputs digests, by environment, what each was generated from; "" for
	// none (the tree is then never taken as fresh).
	Inputs map[string]string
	// Prefix is where the directory sits in its repository; a diff prints
	// paths under it.
	Prefix string
	// Specs names each built environment's spec files.
	Specs map[string]Spec
	// Held are the environments whose files were read from this tree
	// (Fresh): a diff need not read them again to compare.
	Held map[string]bool
}

// Spec is where an environment is built from.
type Spec struct {
	// Own is its own spec file, from the repository root ("" when unknown);
	// the manifest records it.
	Own string
	// Files are all its spec files, shared ones included, from the
	// repository root.
	Files []string
	// Root is the repository root the paths are relative to ("" for the
	// working directory).
	Root string
}

// supersedes reports whether the environment may take over a tree that
// the manifest says was built from recorded: the file is one of its own,
// or it is gone (the spec moved). A recorded file that still exists and is
// not part of this build is a second spec claiming the name.
func (s Spec) supersedes(recorded string) bool {
	return recorded == "" || s.Own == "" || slices.Contains(s.Files, recorded) || Gone(s.Root, recorded)
}

// Gone reports whether a spec file the manifest records, relative to
// root, no longer exists; "" (no record) is not gone.
func Gone(root, recorded string) bool {
	if recorded == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(recorded)))
	return errors.Is(err, fs.ErrNotExist)
}

// SpecConflictError is an environment name that a spec other than the one
// the tree was built from claims.
type SpecConflictError struct {
	// Built and Claimed are the two specs as the manifest names them.
	Env, Built, Claimed string
	// root is what those paths are relative to.
	root string
}

func (e *SpecConflictError) Error() string {
	built, claimed := shown(e.root, e.Built), shown(e.root, e.Claimed)
	return fmt.Sprintf("%s names environment %s, but the output of %s was built from %s, which still names it: two specs cannot be one environment (give one of them another name; if %s is an old copy, delete it)",
		claimed, e.Env, e.Env, built, claimed)
}

// shown is a spec path of the manifest as the user would type it: from
// the working directory when it lies below it.
func shown(root, p string) string {
	abs := filepath.Join(root, filepath.FromSlash(p))
	if wd, err := os.Getwd(); err == nil && filepath.IsAbs(abs) {
		if rel, err := filepath.Rel(wd, abs); err == nil && filepath.IsLocal(rel) {
			return rel
		}
	}
	return abs
}

// SharedConflictError is a file two environments both generate, with
// different contents.
type SharedConflictError struct {
	Path     string
	Env      string // the environment being built
	Other    string // the environment that generated it before, or is built with Env
	Together bool   // both are being built
}

func (e *SharedConflictError) Error() string {
	if e.Together {
		return fmt.Sprintf("environments %s and %s generate %s with different contents; a shared base must be the same for every environment (give both the same add-on settings, or move the difference into the overlay)", e.Other, e.Env, e.Path)
	}
	return fmt.Sprintf("building %s would change %s, which environment %s uses too; build every environment together (kuberatorc build on the environments' directory) so they move as one", e.Env, e.Path, e.Other)
}

// journal is the committed intent of a build: the moves from the stage into
// place, the removals, and last the new manifest. It is bound to the
// manifest it starts from and the one it stages (their digests), so that a
// journal that did not come from an interrupted build of this tree (one
// committed, merged or planted) is never carried out.
type journal struct {
	Moves    []move   `json:"moves"`
	Removes  []string `json:"removes"`
	Manifest string   `json:"manifest"`
	From     string   `json:"from"`
	To       string   `json:"to"`
}

type move struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Summary says what a write did, path by path.
type Summary struct {
	Written, Unchanged, Removed []string
	// Finished is what opening the tree finished of an interrupted build.
	Finished *Summary
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
	// realDirs are directories found to be real (no link on their path)
	// while the tree is locked, so a path's parents are checked once.
	realDirs map[string]bool
	// made are directories this build created or found.
	made map[string]bool
	// dirs are directories kept open to reach their files and
	// subdirectories by name (see dirRoot): a lookup through the root
	// opens every component of the path.
	dirs map[string]*os.Root
	// missing counts, per directory, that noSymlinks found a component of
	// it missing (so nothing below it exists).
	missing map[string]int
	// finished is what recovery finished of an interrupted build.
	finished *Summary
	// ahead is what ReadAhead read, nil before.
	ahead *ahead
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
	return &Tree{dir: dir, root: root, lock: lock, realDirs: map[string]bool{}, made: map[string]bool{}, missing: map[string]int{}, dirs: map[string]*os.Root{}}, nil
}

// Close releases the lock.
func (t *Tree) Close() error {
	if t.root == nil {
		return nil
	}
	t.closeDirs()
	t.lock.Close() // closing the descriptor releases the flock
	return t.root.Close()
}

// Write makes the directory hold exactly the built environments' files,
// beside the other environments' (or without them, when pruning). It checks
// everything before it changes anything; files whose bytes are already there
// are not touched.
func (t *Tree) Write(b Build) (Summary, error) {
	var sum Summary
	files, err := b.merged()
	if err != nil {
		return sum, err
	}
	for _, p := range files.Paths() {
		if !layout.Generated(p) {
			return sum, fmt.Errorf("kuberatorc: internal error: %q is not a path the generator writes", p)
		}
	}
	old, err := t.manifest()
	if err != nil {
		return sum, err
	}
	sum.Finished = t.finished
	if err := checkSpecs(b, old); err != nil {
		return sum, err
	}
	next := b.next(old)
	if err := t.checkShared(b, old, next, files); err != nil {
		return sum, err
	}
	changed, err := t.changes(files, old.owned(), &sum)
	if err != nil {
		return sum, err
	}
	var removes []string
	for _, p := range removed(old, next) {
		if err := t.noSymlinks(p); err != nil {
			return sum, err
		}
		removes = append(removes, p)
		sum.Removed = append(sum.Removed, p)
	}
	man, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return sum, err
	}
	man = append(man, '\n')
	if cur, _ := t.root.ReadFile(ManifestName); len(changed) == 0 && len(removes) == 0 && bytes.Equal(cur, man) {
		return sum, nil // nothing to do: nothing is staged or rewritten
	}
	j, err := t.stage(changed, man)
	if err != nil {
		return sum, t.unstage(err)
	}
	j.Removes = removes
	if cur, err := t.root.ReadFile(ManifestName); err == nil {
		j.From = digest(cur)
	}
	j.To = digest(man)
	if err := t.commit(j); err != nil {
		return sum, t.unstage(err)
	}
	if err := t.apply(j); err != nil {
		return sum, &InterruptedError{Dir: t.dir, Err: err}
	}
	return sum, nil
}

// unstage clears what a write that failed before its commit point staged
// (a full disk leaves no stage behind), and says the tree is unchanged.
func (t *Tree) unstage(cause error) error {
	_ = t.root.RemoveAll(stageName)
	_ = t.root.Remove(journalName + ".tmp")
	return fmt.Errorf("writing %s: %w; nothing in it was changed", t.dir, cause)
}

// InterruptedError is a write that failed after its commit point: the
// tree is journaled, half old and half new, and the next build finishes
// it.
type InterruptedError struct {
	Dir string
	Err error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("writing %s stopped part-way: %v. The build is journaled: fix the cause (permissions, disk space), then run kuberatorc build again, which finishes it first; diff refuses the tree until then", e.Dir, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// merged is every built environment's files in one set; a path two of them
// generate must have the same bytes in both.
func (b Build) merged() (fileset.FileSet, error) {
	files := fileset.FileSet{}
	owner := map[string]string{}
	for _, env := range slices.Sorted(maps.Keys(b.Envs)) {
		for p, data := range b.Envs[env] {
			if cur, ok := files[p]; ok && !bytes.Equal(cur, data) {
				return nil, &SharedConflictError{Path: p, Env: env, Other: owner[p], Together: true}
			}
			files[p], owner[p] = data, env
		}
	}
	return files, nil
}

// next is the manifest after the build: the built environments' lists
// replaced, the others kept unless pruned.
func (b Build) next(old manifest) manifest {
	m := manifest{Generator: "kuberatorc", Version: b.Version, Environments: map[string][]string{}, Digests: map[string]Digest{}}
	for env, files := range old.Environments {
		if b.Prune && b.specless(env, old, true) {
			continue
		}
		m.Environments[env] = files
		if d, ok := old.Digests[env]; ok {
			m.Digests[env] = d
		}
		if spec := old.Specs[env]; spec != "" {
			if m.Specs == nil {
				m.Specs = map[string]string{}
			}
			m.Specs[env] = spec
		}
	}
	for env, spec := range b.Specs {
		if spec.Own == "" {
			continue
		}
		if m.Specs == nil {
			m.Specs = map[string]string{}
		}
		m.Specs[env] = spec.Own
	}
	for env, files := range b.Envs {
		m.Environments[env] = files.Paths()
		delete(m.Digests, env)
		if in := b.Inputs[env]; in != "" {
			d, ok := old.Digests[env]
			if !b.Held[env] || !ok || d.Inputs != in {
				// A held environment's files are the tree's, which Fresh
				// found to hash to the recorded digest: not hashed again.
				d = Digest{Inputs: in, Output: OutputDigest(files)}
			}
			m.Digests[env] = d
		}
	}
	if len(m.Digests) == 0 {
		m.Digests = nil
	}
	return m
}

// owned is every path the manifest lists, whichever environment owns it.
func (m manifest) owned() map[string]bool {
	out := map[string]bool{}
	for _, files := range m.Environments {
		for _, p := range files {
			out[p] = true
		}
	}
	return out
}

// removed is what the old manifest owned and the new one does not.
func removed(old, next manifest) []string {
	keep := next.owned()
	var out []string
	for p := range old.owned() {
		if !keep[p] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// specless reports whether an environment of the tree, not built now, has
// lost its spec: the file the manifest records is gone, or is built now
// as another environment (its name changed). One without a record counts
// as specless when unrecorded says so: a build of a whole directory of
// environments knows every spec there is.
func (b Build) specless(env string, old manifest, unrecorded bool) bool {
	if _, built := b.Envs[env]; built {
		return false
	}
	rec := old.Specs[env]
	if rec == "" {
		return unrecorded
	}
	return Gone(b.SpecRoot, rec) || slices.ContainsFunc(slices.Collect(maps.Values(b.Specs)), func(s Spec) bool { return s.Own == rec })
}

// Specless is an environment the tree holds whose spec is gone.
type Specless struct {
	Env string
	// Spec is the file the manifest records, as the user would type it;
	// "" when it records none.
	Spec  string
	Files int
	// Line is where the manifest lists the environment's files.
	Line int
}

// Specless lists the environments the tree holds that lost their spec
// (see Build.specless); directory says the build is of a whole directory
// of environments.
func (t *Tree) Specless(b Build, directory bool) ([]Specless, error) {
	if t.root == nil {
		return nil, nil
	}
	data, err := t.root.ReadFile(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	old, err := t.parseManifest(data)
	if err != nil {
		return nil, err
	}
	var out []Specless
	for _, env := range slices.Sorted(maps.Keys(old.Environments)) {
		if b.specless(env, old, directory) {
			spec := old.Specs[env]
			if spec != "" {
				spec = shown(b.SpecRoot, spec)
			}
			out = append(out, Specless{Env: env, Spec: spec, Files: len(old.onlyOf(env)), Line: lineOf(data, fmt.Sprintf("%q: [", env))})
		}
	}
	return out, nil
}

// onlyOf lists the files of env that no other environment lists: those
// removing it removes.
func (m manifest) onlyOf(env string) []string {
	var out []string
	for _, p := range m.Environments[env] {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(m.Environments)), func(other string) bool {
			return other != env && slices.Contains(m.Environments[other], p)
		}) {
			out = append(out, p)
		}
	}
	return out
}

// lineOf is the 1-based line of the first occurrence of s in data, or 1.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 1
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// checkShared refuses to change a file that an environment not being built
// also owns: its overlay refers to that base too.
func (t *Tree) checkShared(b Build, old, next manifest, files fileset.FileSet) error {
	for _, env := range slices.Sorted(maps.Keys(next.Environments)) {
		if _, built := b.Envs[env]; built {
			continue
		}
		for _, p := range next.Environments[env] {
			data, ok := files[p]
			if !ok {
				continue
			}
			cur, err := t.Read(p)
			if err != nil {
				return err
			}
			if cur != nil && !bytes.Equal(cur, data) {
				return &SharedConflictError{Path: p, Env: builtOwner(b, p), Other: env}
			}
		}
	}
	return nil
}

// checkSpecs refuses to build an environment from a spec other than the
// one the tree's files of that environment came from: a copy of one spec
// with the same name would overwrite the other environment.
func checkSpecs(b Build, old manifest) error {
	for _, env := range slices.Sorted(maps.Keys(b.Envs)) {
		if built, claimed := old.Specs[env], b.Specs[env]; !claimed.supersedes(built) {
			return &SpecConflictError{Env: env, Built: built, Claimed: claimed.Own, root: claimed.Root}
		}
	}
	return nil
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func builtOwner(b Build, p string) string {
	for _, env := range slices.Sorted(maps.Keys(b.Envs)) {
		if _, ok := b.Envs[env][p]; ok {
			return env
		}
	}
	return ""
}

// changes returns the files whose bytes differ from disk, and fails if any
// of them would overwrite a file kuberatorc did not generate.
func (t *Tree) changes(files fileset.FileSet, owned map[string]bool, sum *Summary) (map[string][]byte, error) {
	changed := map[string][]byte{}
	var conflicts []string
	for _, p := range files.Paths() {
		if err := t.noSymlinks(p); err != nil {
			return nil, err
		}
		var cur []byte
		err := fs.ErrNotExist
		if t.missing[path.Dir(p)] == 0 { // a file in a missing directory is new: no need to look
			cur, err = t.readFile(p)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changed[p] = files[p]
			sum.Written = append(sum.Written, p)
		case err != nil:
			return nil, err
		case !owned[p]:
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
	// Through the stage directory's own handle: through the root, every
	// write would open the stage directory again.
	stage, err := t.root.Open(stageName)
	if err != nil {
		return j, err
	}
	defer stage.Close()
	paths := slices.Sorted(maps.Keys(changed))
	for _, p := range paths {
		j.Moves = append(j.Moves, move{From: stageName + "/" + strings.ReplaceAll(p, "/", "%"), To: p})
	}
	// Two writers create files in the stage a third faster than one
	// (tmpfs, 10,000 files): the file system serializes the creations
	// in one directory, not the writes. The files are written before any
	// directory of the tree is made, so a file that cannot be staged
	// leaves the tree as it was.
	dir := int(stage.Fd())
	errs := make([]error, len(paths))
	parallel.Each(len(paths), func(i int) {
		errs[i] = writeFileAt(dir, path.Base(j.Moves[i].From), changed[paths[i]])
	})
	for i, err := range errs {
		if err != nil {
			return j, inTree(err, j.Moves[i].From)
		}
	}
	for _, p := range paths { // on one goroutine: mkdirAll keeps handles
		if err := t.mkdirAll(path.Dir(p)); err != nil {
			return j, err
		}
	}
	if err := t.root.WriteFile(j.Manifest, man, 0o644); err != nil {
		return j, err
	}
	// The staged files are durable before the journal that moves them
	// commits: one syncfs of the file system that holds them, not an
	// fsync per file.
	return j, unix.Syncfs(int(stage.Fd()))
}

// writeFileAt creates the file name in the directory whose descriptor is
// dir and writes data to it, with the system calls alone: an *os.File
// costs four more per file (registering it with the poller, which refuses
// a regular file), a sixth of writing a tree.
func writeFileAt(dir int, name string, data []byte) error {
	var fd int
	var err error = unix.EINTR
	for errors.Is(err, unix.EINTR) {
		fd, err = unix.Openat(dir, name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err == nil && n == 0 {
			err = io.ErrUnexpectedEOF // as os.File reports a write that makes no progress
		}
		if err != nil {
			unix.Close(fd)
			return &fs.PathError{Op: "write", Path: name, Err: err}
		}
		data = data[n:]
	}
	if err := unix.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: name, Err: err}
	}
	return nil
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
	if _, err = f.Write(data); err == nil {
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
	// The rename is durable once the directory is: t.lock is its handle.
	if err := t.lock.Sync(); err != nil {
		return err
	}
	step("committed")
	return nil
}

// apply carries out a committed journal. Every step can be done again: a
// move whose source is gone was made, a removal of a missing file was made.
func (t *Tree) apply(j journal) error {
	mv := mover{t: t}
	defer mv.close()
	for _, m := range j.Moves {
		if err := t.mkdirAll(path.Dir(m.To)); err != nil {
			return err
		}
		// A staged file that is gone was moved before an interruption.
		if err := mv.move(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
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

// mover renames staged files into place with renameat on directory handles
// opened through the root: a rename through the root opens every component
// of both paths, again for every file. One destination directory is open at
// a time; moves come sorted by path, so a directory's files mostly follow
// one another.
type mover struct {
	t          *Tree
	stage, dst *os.File
	dstDir     string
}

func (mv *mover) move(m move) error {
	if mv.stage == nil {
		f, err := mv.t.root.Open(stageName) // valid journals stage nowhere else
		if err != nil {
			return err // gone: every file was moved
		}
		mv.stage = f
	}
	if dir := path.Dir(m.To); mv.dst == nil || mv.dstDir != dir {
		if mv.dst != nil {
			mv.dst.Close()
			mv.dst = nil
		}
		f, err := mv.t.openDir(dir)
		if err != nil {
			// Not a missing source: apply made the directory.
			return fmt.Errorf("opening %s: %v", path.Join(mv.t.dir, dir), err)
		}
		mv.dst, mv.dstDir = f, dir
	}
	if err := unix.Renameat(int(mv.stage.Fd()), path.Base(m.From), int(mv.dst.Fd()), path.Base(m.To)); err != nil {
		return &os.LinkError{Op: "rename", Old: path.Join(mv.t.dir, m.From), New: path.Join(mv.t.dir, m.To), Err: err}
	}
	return nil
}

// openDir opens a directory of the tree as a file, through its parent's
// handle.
func (t *Tree) openDir(dir string) (*os.File, error) {
	if dir == "." {
		return t.root.Open(".")
	}
	parent, err := t.dirRoot(path.Dir(dir))
	if err != nil {
		return nil, err
	}
	f, err := parent.Open(path.Base(dir))
	return f, inTree(err, dir)
}

func (mv *mover) close() {
	for _, f := range []*os.File{mv.stage, mv.dst} {
		if f != nil {
			f.Close()
		}
	}
}

// recover finishes a committed journal and clears what an interrupted build
// staged but never committed (including the stage directories of earlier
// versions of kuberatorc). A journal is carried out only when it is bound
// to this tree: see bound.
func (t *Tree) recover() error {
	if data, err := t.root.ReadFile(journalName); err == nil {
		var j journal
		if err := json.Unmarshal(data, &j); err != nil || !j.valid() {
			return t.refuseJournal("it is not a journal kuberatorc wrote")
		}
		pending, err := t.bound(j)
		if err != nil {
			return err
		}
		if !pending {
			// The manifest is in place: only the journal and stage remain.
			j.Moves, j.Removes = nil, nil
		}
		// A link put on a path since the journal committed would carry a
		// removal or a move elsewhere in the tree: refused, as a build
		// refuses it, before anything is changed.
		for _, p := range append(slices.Clone(j.Removes), movedTo(j)...) {
			if err := t.noSymlinks(p); err != nil {
				return fmt.Errorf("finishing an interrupted build: %w", err)
			}
		}
		if err := t.apply(j); err != nil {
			return fmt.Errorf("finishing an interrupted build: %w", err)
		}
		t.finished = &Summary{}
		for _, m := range j.Moves {
			t.finished.Written = append(t.finished.Written, m.To)
		}
		t.finished.Removed = j.Removes
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

// bound checks a journal against the tree before anything of it is
// carried out: it started from the manifest in place (its digest), every
// file it removes is one that manifest lists, and every file it moves into
// place is one the manifest it staged lists. pending says the build
// stopped before its manifest moved into place; after that, nothing is
// left but to clear the journal.
func (t *Tree) bound(j journal) (pending bool, err error) {
	cur, err := t.root.ReadFile(ManifestName)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	from := ""
	if cur != nil {
		from = digest(cur)
	}
	staged, err := t.root.ReadFile(j.Manifest)
	if errors.Is(err, fs.ErrNotExist) {
		if j.To == "" || from != j.To {
			return false, t.refuseJournal("it stages no manifest, and the manifest in place is not the one it wrote")
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if j.To == "" || digest(staged) != j.To || from != j.From {
		return false, t.refuseJournal("it did not start from the manifest in place")
	}
	old, err := t.parseManifest(cur)
	if err != nil {
		return false, err
	}
	next, err := t.parseManifest(staged)
	if err != nil {
		return false, err
	}
	owned, kept := old.owned(), next.owned()
	for _, p := range j.Removes {
		if !owned[p] {
			return false, t.refuseJournal(fmt.Sprintf("it removes %s, which the manifest does not list", p))
		}
	}
	for _, m := range j.Moves {
		if !kept[m.To] {
			return false, t.refuseJournal(fmt.Sprintf("it writes %s, which the manifest it stages does not list", m.To))
		}
	}
	return true, nil
}

func movedTo(j journal) []string {
	to := make([]string, len(j.Moves))
	for i, m := range j.Moves {
		to[i] = m.To
	}
	return to
}

func (t *Tree) refuseJournal(why string) error {
	return fmt.Errorf("%s is not the journal of an interrupted build of this tree (%s); nothing was changed. If no build of %s was interrupted, delete %s and %s",
		path.Join(t.dir, journalName), why, t.dir, path.Join(t.dir, journalName), path.Join(t.dir, stageName))
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
		if !staged(m.From) || !layout.Generated(m.To) {
			return false
		}
	}
	for _, p := range j.Removes {
		if !layout.Generated(p) {
			return false
		}
	}
	return true
}

// manifest reads what earlier builds generated: see parseManifest.
func (t *Tree) manifest() (manifest, error) {
	if t.root == nil {
		return manifest{Environments: map[string][]string{}}, nil
	}
	if err := t.noSymlinks(ManifestName); err != nil {
		return manifest{}, err
	}
	data, err := t.root.ReadFile(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return manifest{}, err
	}
	return t.parseManifest(data)
}

// parseManifest reads a manifest (nil: none), refusing one that names a
// path the generator could not have produced, or gives an environment a
// path outside its own directories and the shared bases (a bad merge of two
// branches' manifests could otherwise remove another environment's files,
// or the team's own). A manifest from before environments had their own
// lists gives each environment the files under its name, and the shared
// ones to all of them.
func (t *Tree) parseManifest(data []byte) (manifest, error) {
	none := manifest{Environments: map[string][]string{}}
	if data == nil {
		return none, nil
	}
	where := path.Join(t.dir, ManifestName)
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Generator != "kuberatorc" {
		return none, fmt.Errorf("%s is not a kuberatorc manifest; remove it or choose another output directory", where)
	}
	for _, p := range m.Files {
		if !layout.Generated(p) {
			return none, fmt.Errorf("%s lists %q, which kuberatorc never generates; nothing was changed (fix the entry by hand, or remove the manifest to rebuild the tree from scratch)", where, p)
		}
	}
	for _, env := range slices.Sorted(maps.Keys(m.Environments)) {
		for _, p := range m.Environments[env] {
			switch {
			case !layout.Generated(p):
				return none, fmt.Errorf("%s lists %q, which kuberatorc never generates; nothing was changed (fix the entry by hand, or remove the manifest to rebuild the tree from scratch)", where, p)
			case !layout.Owns(env, p):
				return none, fmt.Errorf("%s lists %q for environment %s, outside its own directories and the shared bases; nothing was changed (a bad merge of the manifest? fix the entry by hand)", where, p, env)
			}
		}
	}
	if m.Environments == nil {
		m.Environments = byEnvironment(m.Files)
	}
	m.Files = nil
	return m, nil
}

// byEnvironment splits a single list by the environment each path names.
func byEnvironment(files []string) map[string][]string {
	out := map[string][]string{}
	var shared []string
	for _, p := range files {
		if env := layout.EnvOf(p); env != "" {
			out[env] = append(out[env], p)
		} else {
			shared = append(shared, p)
		}
	}
	for env := range out {
		out[env] = append(out[env], shared...)
		slices.Sort(out[env])
	}
	return out
}

// Fresh returns an environment's files as the tree holds them when it
// holds them exactly as a build from these inputs wrote them: the manifest
// records the same inputs, and the files it lists for the environment hash
// to what was written. Else it returns nil. A build can then stop, and a
// diff compare what it read; reading the files is all they cost.
func (t *Tree) Fresh(env, inputs string) (fileset.FileSet, error) {
	if inputs == "" || t.root == nil {
		return nil, nil
	}
	m, err := t.manifest()
	if err != nil {
		return nil, err
	}
	d, ok := m.Digests[env]
	if !ok || d.Inputs != inputs {
		return nil, nil
	}
	files := fileset.FileSet{}
	for _, p := range m.Environments[env] {
		data, err := t.Read(p)
		if err != nil || data == nil {
			return nil, err
		}
		files[p] = data
	}
	output, ok := t.readAheadOutput(env)
	if !ok {
		output = OutputDigest(files)
	}
	if output != d.Output {
		return nil, nil
	}
	return files, nil
}

// noSymlinks refuses a path any existing component of which is a link.
func (t *Tree) noSymlinks(p string) error {
	if t.root == nil {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		prefix := strings.Join(parts[:i+1], "/")
		if t.realDirs[prefix] {
			continue
		}
		if i < len(parts)-1 && t.missing[prefix] > 0 {
			t.missing[path.Dir(p)]++
			return nil
		}
		info, err := t.lstat(prefix)
		if errors.Is(err, fs.ErrNotExist) {
			if i < len(parts)-1 {
				t.missing[prefix]++
				t.missing[path.Dir(p)]++
			}
			return nil
		}
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Path: path.Join(t.dir, prefix)}
		}
		if info.IsDir() {
			t.realDirs[prefix] = true
		}
	}
	return nil
}

// readFile reads a file through its directory, opened once per build. The
// caller has checked the path for links.
func (t *Tree) readFile(p string) ([]byte, error) {
	d, err := t.dirRoot(path.Dir(p))
	if err != nil {
		return nil, err
	}
	return d.ReadFile(path.Base(p))
}

// lstat is Lstat through the parent directory once it is known to be real:
// one call, not one per component.
func (t *Tree) lstat(p string) (fs.FileInfo, error) {
	dir := path.Dir(p)
	if dir == "." || !t.realDirs[dir] {
		return t.root.Lstat(p)
	}
	d, err := t.dirRoot(dir)
	if err != nil {
		return nil, err
	}
	return d.Lstat(path.Base(p))
}

// maxOpenDirs bounds the directory handles a tree keeps: a tree of
// thousands of workloads has thousands of directories, and 1,024 open
// files is a common limit.
const maxOpenDirs = 256

// dirRoot opens a directory of the tree through its parent's handle, one
// openat rather than one per component, and keeps it for the next file
// there. The handles of parents stay open while their children are
// opened; when maxOpenDirs are open, all are closed and reopened as needed.
func (t *Tree) dirRoot(dir string) (*os.Root, error) {
	if dir == "." {
		return t.root, nil
	}
	if d, ok := t.dirs[dir]; ok {
		return d, nil
	}
	parent, err := t.dirRoot(path.Dir(dir))
	if err != nil {
		return nil, err
	}
	d, err := parent.OpenRoot(path.Base(dir))
	if err != nil {
		return nil, inTree(err, dir)
	}
	if len(t.dirs) >= maxOpenDirs {
		t.closeDirs()
	}
	t.dirs[dir] = d
	return d, nil
}

func (t *Tree) closeDirs() {
	for _, d := range t.dirs {
		d.Close()
	}
	clear(t.dirs)
}

// inTree names the whole path, relative to the tree, in an error of an
// operation on its last component through its parent's handle.
func inTree(err error, p string) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return &fs.PathError{Op: pe.Op, Path: p, Err: pe.Err}
	}
	return err
}

// mkdirAll creates a directory and its parents, each through its parent's
// handle, once per build.
func (t *Tree) mkdirAll(dir string) error {
	if dir == "." || t.made[dir] {
		return nil
	}
	if err := t.mkdirAll(path.Dir(dir)); err != nil {
		return err
	}
	parent, err := t.dirRoot(path.Dir(dir))
	if err != nil {
		return err
	}
	// One that exists must be a directory, not a file or a link: staging
	// finds out, before the journal commits to moving files into it.
	if err := parent.Mkdir(path.Base(dir), 0o755); errors.Is(err, fs.ErrExist) {
		info, err := parent.Lstat(path.Base(dir))
		if err != nil {
			return inTree(err, dir)
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Path: path.Join(t.dir, dir)}
		}
		if !info.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
	} else if err != nil {
		return inTree(err, dir)
	}
	t.made[dir] = true
	clear(t.missing) // what was missing may exist now
	return nil
}

func (t *Tree) readDir(dir string) ([]fs.DirEntry, error) {
	if t.ahead != nil {
		if entries, ok := t.ahead.dirs[dir]; ok {
			return entries, nil
		}
	}
	f, err := t.openDir(dir)
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
		delete(t.made, dir)
		delete(t.realDirs, dir)
		if d, ok := t.dirs[dir]; ok {
			d.Close()
			delete(t.dirs, dir)
		}
	}
}

// step marks a point a build can be interrupted at; tests crash there.
var step = func(string) {}
