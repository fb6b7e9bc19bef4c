package outtree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// The trees the tests write: v1, then v2, which changes a file, adds one and
// drops one, across several directories.
var (
	v1 = fileset.FileSet{
		"terraform/qa/network.tf.json":          []byte("{\"v\": 1}\n"),
		"terraform/qa/nodes.tf.json":            []byte("{\"nodes\": 1}\n"),
		"kubernetes/base/a/kustomization.yaml":  []byte("a: 1\n"),
		"kubernetes/overlays/qa/apps/app1.yaml": []byte("app: 1\n"),
	}
	v2 = fileset.FileSet{
		"terraform/qa/network.tf.json":          []byte("{\"v\": 2}\n"),
		"terraform/qa/nodes.tf.json":            []byte("{\"nodes\": 1}\n"),
		"kubernetes/base/b/kustomization.yaml":  []byte("b: 1\n"),
		"kubernetes/overlays/qa/apps/app2.yaml": []byte("app: 2\n"),
	}
)

func write(t *testing.T, dir string, files fileset.FileSet) (Summary, error) {
	t.Helper()
	tree, err := Open(dir)
	if err != nil {
		return Summary{}, err
	}
	defer tree.Close()
	return tree.Write(Build{Envs: map[string]fileset.FileSet{"qa": files}})
}

func diff(t *testing.T, dir string, files fileset.FileSet) (string, error) {
	t.Helper()
	tree, err := OpenReadOnly(dir)
	if err != nil {
		return "", err
	}
	defer tree.Close()
	return tree.Diff(Build{Envs: map[string]fileset.FileSet{"qa": files}})
}

// contents reads every regular file under dir, by slash path; it fails on a
// link, which none of these trees should hold.
func contents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// want is what a directory holds after a build of files: the files and the
// manifest, nothing staged, no journal.
func want(files fileset.FileSet) map[string]string {
	out := map[string]string{}
	for p, data := range files {
		out[p] = string(data)
	}
	out[ManifestName] = manifestFor(files)
	return out
}

func manifestFor(files fileset.FileSet) string {
	var b strings.Builder
	b.WriteString("{\n  \"generator\": \"kuberatorc\",\n  \"environments\": {\n    \"qa\": [\n")
	for i, p := range files.Paths() {
		sep := ","
		if i == len(files)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "      %q%s\n", p, sep)
	}
	b.WriteString("    ]\n  }\n}\n")
	return b.String()
}

// TestWriteIsOwned: unchanged files are left alone, files an earlier build
// generated are removed when no longer generated, empty directories go with
// them, and a file kuberatorc did not write is never overwritten.
func TestWriteIsOwned(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "terraform", "qa", "NOTES.md")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := write(t, dir, v2)
	if err != nil {
		t.Fatal(err)
	}
	wantSum := Summary{
		Written:   []string{"kubernetes/base/b/kustomization.yaml", "kubernetes/overlays/qa/apps/app2.yaml", "terraform/qa/network.tf.json"},
		Unchanged: []string{"terraform/qa/nodes.tf.json"},
		Removed:   []string{"kubernetes/base/a/kustomization.yaml", "kubernetes/overlays/qa/apps/app1.yaml"},
	}
	if d := cmp.Diff(wantSum, sum); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	w := want(v2)
	w["terraform/qa/NOTES.md"] = "mine"
	if d := cmp.Diff(w, contents(t, dir)); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "kubernetes", "base", "a")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty directory kubernetes/base/a left behind: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, "terraform", "qa", "mine.tf.json"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := contents(t, dir)
	clash := fileset.FileSet{"terraform/qa/network.tf.json": []byte("z"), "terraform/qa/mine.tf.json": []byte("generated")}
	var conflict *ConflictError
	if _, err := write(t, dir, clash); !errors.As(err, &conflict) {
		t.Fatalf("overwriting a user file: got %v, want a ConflictError", err)
	}
	if d := cmp.Diff(before, contents(t, dir)); d != "" {
		t.Errorf("a refused write changed the directory:\n%s", d)
	}
}

// TestUnchangedIsNotRewritten: a build with nothing changed writes nothing,
// not even the manifest, and stages nothing.
func TestUnchangedIsNotRewritten(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for p := range want(v1) {
		if err := os.Chtimes(filepath.Join(dir, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := write(t, dir, v1)
	if err != nil || len(sum.Written)+len(sum.Removed) != 0 {
		t.Fatalf("second build: %v, %v", sum, err)
	}
	for p := range want(v1) {
		info, err := os.Stat(filepath.Join(dir, p))
		if err != nil || !info.ModTime().Equal(old) {
			t.Errorf("%s was rewritten", p)
		}
	}
}

// TestSymlinksAreRefused: a link planted in the tree is never followed, for
// a directory, a file, the manifest or a diff, and nothing outside changes.
func TestSymlinksAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, link string
		diff       bool
	}{
		{"directory", "terraform", false},
		{"nested directory", "kubernetes/overlays/qa", false},
		{"file", "terraform/qa/network.tf.json", false},
		{"manifest", ManifestName, false},
		{"diff of a file", "terraform/qa/network.tf.json", true},
		{"diff of a directory", "kubernetes/base", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, elsewhere := t.TempDir(), t.TempDir()
			secret := filepath.Join(elsewhere, "secret.txt")
			if err := os.WriteFile(secret, []byte("runner's secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := write(t, dir, v1); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, filepath.FromSlash(tc.link))
			if err := os.RemoveAll(link); err != nil {
				t.Fatal(err)
			}
			target := elsewhere
			if strings.HasSuffix(tc.link, ".json") {
				target = secret
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			before := contents(t, elsewhere)
			var err error
			var out string
			if tc.diff {
				out, err = diff(t, dir, v2)
			} else {
				_, err = write(t, dir, v2)
			}
			var se *SymlinkError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "is a symbolic link") {
				t.Errorf("got %v, want a SymlinkError", err)
			}
			if strings.Contains(out, "runner's secret") {
				t.Error("diff printed a file outside the output directory")
			}
			if d := cmp.Diff(before, contents(t, elsewhere)); d != "" {
				t.Errorf("the link's target changed:\n%s", d)
			}
		})
	}
}

// TestPlantedManifestIsRefused: a manifest that lists a file the generator
// never writes (to have a build delete it) is refused, and the file stays.
func TestPlantedManifestIsRefused(t *testing.T) {
	for _, planted := range []string{"README.md", "../outside.tf.json", "terraform/qa/.git/config.yaml", "terraform/../README.md"} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		man := `{"generator": "kuberatorc", "files": [` + strconv.Quote(planted) + `]}`
		if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(man), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := write(t, dir, v1); err == nil || !strings.Contains(err.Error(), "never generates") {
			t.Errorf("manifest listing %q: got %v, want a refusal", planted, err)
		}
		if data, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(data) != "keep" {
			t.Errorf("manifest listing %q removed README.md", planted)
		}
	}
}

// TestDiffReportsStrays: a file in a generated directory that kuberatorc did
// not write is drift (Terraform would load it); one elsewhere is not.
func TestDiffReportsStrays(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	if d, err := diff(t, dir, v1); err != nil || d != "" {
		t.Fatalf("diff of a fresh build: %q, %v", d, err)
	}
	for p, data := range map[string]string{"terraform/qa/stray.tf.json": "{}", "docs/notes.md": "mine", "kubernetes/clusters/qa/flux-system/gotk.yaml": "bootstrap's"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := diff(t, dir, v1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d, "Only in terraform/qa: stray.tf.json") || strings.Contains(d, "notes.md") {
		t.Errorf("diff:\n%s", d)
	}
	d, err = diff(t, dir, v2)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"--- a/terraform/qa/network.tf.json\n+++ b/terraform/qa/network.tf.json\n", "--- /dev/null\n+++ b/kubernetes/base/b/kustomization.yaml\n",
		"--- a/kubernetes/base/a/kustomization.yaml\n+++ /dev/null\n"} {
		if !strings.Contains(d, w) {
			t.Errorf("diff lacks %q:\n%s", w, d)
		}
	}
}

// crashEnv asks the test binary, run as a helper, to build v2 over v1 and
// die at the nth step of the commit, as kill -9 would (no deferred cleanup).
const crashEnv = "OUTTREE_CRASH_AT"

func TestMain(m *testing.M) {
	if at := os.Getenv(crashEnv); at != "" {
		n, _ := strconv.Atoi(at)
		seen := 0
		step = func(string) {
			if seen++; seen == n {
				os.Exit(137)
			}
		}
		tree, err := Open(os.Args[len(os.Args)-1])
		if err == nil {
			_, err = tree.Write(Build{Envs: map[string]fileset.FileSet{"qa": v2}})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killedAt writes v1 into a new directory, then has the test binary, as
// a helper, build v2 over it and die at the nth step of the commit.
func killedAt(t *testing.T, n int) (dir string, out []byte, err error) {
	t.Helper()
	dir = t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", dir)
	cmd.Env = append(os.Environ(), crashEnv+"="+strconv.Itoa(n))
	out, err = cmd.CombinedOutput()
	return dir, out, err
}

// interrupted is the directory of a build killed at the nth step, one it
// is sure to reach.
func interrupted(t *testing.T, n int) string {
	t.Helper()
	dir, out, err := killedAt(t, n)
	if err == nil {
		t.Fatalf("the build was not killed at step %d:\n%s", n, out)
	}
	return dir
}

// TestCrashLeavesOldOrNew kills a build at every step of its commit. Right
// after the kill, and before anything repairs it, the tree that a reader
// opening it sees is wholly v1 or, once the journal is committed, recovers
// to wholly v2 on the next open; the next build then finishes cleanly.
func TestCrashLeavesOldOrNew(t *testing.T) {
	steps := 0
	for n := 1; ; n++ {
		dir, out, err := killedAt(t, n)
		var exit *exec.ExitError
		if err == nil {
			steps = n - 1
			break // the build got past its last step: every step was tried
		}
		if !errors.As(err, &exit) || exit.ExitCode() != 137 {
			t.Fatalf("step %d: helper failed: %v\n%s", n, err, out)
		}
		// Opening for a build recovers; the tree is then wholly one version.
		tree, err := Open(dir)
		if err != nil {
			t.Fatalf("step %d: recovery: %v", n, err)
		}
		tree.Close()
		got := contents(t, dir)
		if d1, d2 := cmp.Diff(want(v1), got), cmp.Diff(want(v2), got); d1 != "" && d2 != "" {
			t.Fatalf("step %d: after recovery the tree is neither v1 nor v2:\n-v1 +got:\n%s\n-v2 +got:\n%s", n, d1, d2)
		}
		if _, err := write(t, dir, v2); err != nil {
			t.Fatalf("step %d: the next build: %v", n, err)
		}
		if d := cmp.Diff(want(v2), contents(t, dir)); d != "" {
			t.Fatalf("step %d: the next build left:\n%s", n, d)
		}
		if n > 50 {
			t.Fatal("the build never finished")
		}
	}
	if steps < 6 {
		t.Fatalf("only %d crash points tried", steps)
	}
	t.Logf("killed the build at each of its %d steps", steps)
}

// A link put on a path between an interrupted build and its recovery is
// refused, as a build refuses it: finishing the build's removals through
// it would delete files elsewhere in the tree.
func TestRecoveryRefusesALinkOnItsPaths(t *testing.T) {
	dir := interrupted(t, 2) // just after the journal commits
	other := filepath.Join(dir, "kubernetes", "overlays", "prod", "x")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(other, "kustomization.yaml")
	if err := os.WriteFile(kept, []byte("someone else's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed := filepath.Join(dir, "kubernetes", "base", "a") // v2 removes its kustomization
	if err := os.RemoveAll(removed); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../overlays/prod/x", removed); err != nil {
		t.Fatal(err)
	}
	tree, err := Open(dir)
	var link *SymlinkError
	if !errors.As(err, &link) {
		if err == nil {
			tree.Close()
		}
		t.Errorf("recovery through a link: %v, want it refused as a link", err)
	}
	if data, err := os.ReadFile(kept); err != nil || string(data) != "someone else's\n" {
		t.Errorf("the file the link leads to: %q, %v", data, err)
	}
}

// TestDiffRefusesAnInterruptedBuild: a diff does not compare with a tree an
// interrupted build left half-written; it says to finish it.
func TestDiffRefusesAnInterruptedBuild(t *testing.T) {
	dir := interrupted(t, 3) // after the commit, mid-move
	if _, err := diff(t, dir, v2); err == nil || !strings.Contains(err.Error(), "interrupted; run kuberatorc build") {
		t.Errorf("diff of an interrupted tree: %v", err)
	}
}

// TestConcurrentBuilds: builds into one directory wait for each other, and
// the tree ends as one of them wrote it, matching its manifest.
func TestConcurrentBuilds(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			files := v1
			if i%2 == 1 {
				files = v2
			}
			tree, err := Open(dir)
			if err == nil {
				_, err = tree.Write(Build{Envs: map[string]fileset.FileSet{"qa": files}})
				tree.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("build %d: %v", i, err)
		}
	}
	got := contents(t, dir)
	if d1, d2 := cmp.Diff(want(v1), got), cmp.Diff(want(v2), got); d1 != "" && d2 != "" {
		t.Errorf("after concurrent builds the tree is neither v1 nor v2:\n%s", d1)
	}
}

// TestLeftoversAreCleared: what an interrupted build staged before its
// commit, and stage directories of older versions, are removed.
func TestLeftoversAreCleared(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".kuberatorc-stage-123/x", stageName + "/y", journalName + ".tmp"} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte("left over"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want(v1), contents(t, dir)); d != "" {
		t.Errorf("leftovers remain:\n%s", d)
	}
}

// TestPlantedJournalIsRefused: a journal that would move or remove anything
// outside the generated trees is not carried out.
func TestPlantedJournalIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	j := `{"moves": [], "removes": ["README.md"], "manifest": "` + stageName + `/m"}`
	if err := os.WriteFile(filepath.Join(dir, journalName), []byte(j), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "is not a journal kuberatorc wrote") {
		t.Errorf("planted journal: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "README.md")); !bytes.Equal(data, []byte("keep")) {
		t.Error("a planted journal removed README.md")
	}
}

// envs builds files for several environments at once.
func writeEnvs(t *testing.T, dir string, b Build) (Summary, error) {
	t.Helper()
	tree, err := Open(dir)
	if err != nil {
		return Summary{}, err
	}
	defer tree.Close()
	return tree.Write(b)
}

// TestEnvironmentsShareOneTree: building one environment never removes
// another's files; a shared base goes only when no environment uses it; a
// removed environment's files go only when pruning is asked for.
func TestEnvironmentsShareOneTree(t *testing.T) {
	qa := fileset.FileSet{
		"terraform/qa/network.tf.json":         []byte("{}\n"),
		"kubernetes/base/a/kustomization.yaml": []byte("a: 1\n"),
		"kubernetes/base/b/kustomization.yaml": []byte("b: 1\n"),
	}
	staging := fileset.FileSet{
		"terraform/staging/network.tf.json":    []byte("{}\n"),
		"kubernetes/base/a/kustomization.yaml": []byte("a: 1\n"),
	}
	dir := t.TempDir()
	for _, b := range []Build{{Envs: map[string]fileset.FileSet{"qa": qa}}, {Envs: map[string]fileset.FileSet{"staging": staging}}} {
		if _, err := writeEnvs(t, dir, b); err != nil {
			t.Fatal(err)
		}
	}
	got := contents(t, dir)
	for p := range qa {
		if got[p] == "" {
			t.Errorf("building staging removed qa's %s", p)
		}
	}
	// qa no longer uses either base: b goes, a stays for staging.
	qa2 := fileset.FileSet{"terraform/qa/network.tf.json": []byte("{}\n")}
	sum, err := writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"qa": qa2}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"kubernetes/base/b/kustomization.yaml"}, sum.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	// Building staging alone, without pruning, keeps qa; pruning removes it.
	if _, err := writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"staging": staging}}); err != nil {
		t.Fatal(err)
	}
	if contents(t, dir)["terraform/qa/network.tf.json"] == "" {
		t.Fatal("a build without pruning removed qa")
	}
	sum, err = writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"staging": staging}, Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"terraform/qa/network.tf.json"}, sum.Removed); diff != "" {
		t.Errorf("pruned (-want +got):\n%s", diff)
	}
}

// TestSharedBaseConflicts: a base two environments generate differently is
// refused, built together or one at a time, and nothing is written.
func TestSharedBaseConflicts(t *testing.T) {
	a1 := fileset.FileSet{"kubernetes/base/a/kustomization.yaml": []byte("a: 1\n"), "terraform/qa/x.tf.json": []byte("{}\n")}
	a2 := fileset.FileSet{"kubernetes/base/a/kustomization.yaml": []byte("a: 2\n"), "terraform/prod/x.tf.json": []byte("{}\n")}
	dir := t.TempDir()
	_, err := writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"qa": a1, "prod": a2}})
	var se *SharedConflictError
	if !errors.As(err, &se) || !se.Together {
		t.Fatalf("built together: got %v, want a shared conflict", err)
	}
	if _, err := writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"qa": a1}}); err != nil {
		t.Fatal(err)
	}
	_, err = writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"prod": a2}})
	if !errors.As(err, &se) || se.Other != "qa" || se.Env != "prod" {
		t.Fatalf("built apart: got %v, want a shared conflict naming qa", err)
	}
	if got := contents(t, dir); got["kubernetes/base/a/kustomization.yaml"] != "a: 1\n" || got["terraform/prod/x.tf.json"] != "" {
		t.Errorf("a refused build changed the tree: %v", got)
	}
}

// TestLegacyManifest: a manifest with one list, from before environments
// had their own, is split by the environment each path names.
func TestLegacyManifest(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	legacy := `{"generator": "kuberatorc", "files": ["kubernetes/base/a/kustomization.yaml", "kubernetes/overlays/qa/apps/app1.yaml", "terraform/qa/network.tf.json", "terraform/qa/nodes.tf.json"]}`
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := write(t, dir, v2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"kubernetes/base/a/kustomization.yaml", "kubernetes/overlays/qa/apps/app1.yaml"}, sum.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want(v2), contents(t, dir)); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

// TestJournalMustBeBoundToTheTree: a journal in the format kuberatorc
// writes, committed or planted, that removes files the manifest does not
// list (the team's own), moves a file the staged manifest does not list,
// or did not start from the manifest in place, is refused and changes
// nothing; the message says how to discard it.
func TestJournalMustBeBoundToTheTree(t *testing.T) {
	for _, tc := range []struct {
		name    string
		journal func(man, staged string) journal
		want    string
	}{
		{"removes the team's files", func(man, staged string) journal {
			return journal{Removes: []string{"terraform/qa/handwritten.tf.json"}, Manifest: stageName + "/m", From: man, To: staged}
		}, "it removes terraform/qa/handwritten.tf.json, which the manifest does not list"},
		{"plants a file", func(man, staged string) journal {
			return journal{Moves: []move{{From: stageName + "/x", To: "terraform/qa/zz.tf.json"}}, Manifest: stageName + "/m", From: man, To: staged}
		}, "it writes terraform/qa/zz.tf.json, which the manifest it stages does not list"},
		{"started elsewhere", func(man, staged string) journal {
			return journal{Removes: []string{"terraform/qa/nodes.tf.json"}, Manifest: stageName + "/m", From: "sha256:00", To: staged}
		}, "it did not start from the manifest in place"},
		{"no digests", func(man, staged string) journal {
			return journal{Removes: []string{"terraform/qa/nodes.tf.json"}, Manifest: stageName + "/m"}
		}, "it did not start from the manifest in place"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := write(t, dir, v1); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"terraform/qa/handwritten.tf.json"} {
				if err := os.WriteFile(filepath.Join(dir, p), []byte("ours"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			man, err := os.ReadFile(filepath.Join(dir, ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, stageName), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string][]byte{"m": man, "x": []byte("planted")} {
				if err := os.WriteFile(filepath.Join(dir, stageName, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, _ := json.Marshal(tc.journal(digest(man), digest(man)))
			if err := os.WriteFile(filepath.Join(dir, journalName), data, 0o644); err != nil {
				t.Fatal(err)
			}
			before := contents(t, dir)
			_, err = Open(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "nothing was changed") ||
				!strings.Contains(err.Error(), "delete "+filepath.Join(dir, journalName)) {
				t.Errorf("Open: %v, want a refusal saying %q", err, tc.want)
			}
			if d := cmp.Diff(before, contents(t, dir)); d != "" {
				t.Errorf("a refused journal changed the tree:\n%s", d)
			}
		})
	}
}

// TestRecoveryReportsWhatItFinished: opening a tree that holds an
// interrupted, committed build finishes it and says so.
func TestRecoveryReportsWhatItFinished(t *testing.T) {
	dir := interrupted(t, 3) // killed after the journal commits
	if _, err := os.Stat(filepath.Join(dir, journalName)); err != nil {
		t.Fatalf("no committed journal to finish: %v", err)
	}
	tree, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := tree.Write(Build{Envs: map[string]fileset.FileSet{"qa": v2}})
	tree.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Finished == nil || len(sum.Finished.Written)+len(sum.Finished.Removed) == 0 {
		t.Errorf("the write does not say what recovery finished: %+v", sum.Finished)
	}
}

// TestManifestEntriesStayInTheirEnvironment: a manifest that gives an
// environment a path of another environment, or of the team's own
// kubernetes/custom, is refused before anything is removed.
func TestManifestEntriesStayInTheirEnvironment(t *testing.T) {
	for _, planted := range []string{"kubernetes/custom/jobs/a.yaml", "terraform/prod/main.tf.json", "kubernetes/overlays/prod/apps/x.yaml"} {
		dir := t.TempDir()
		if _, err := write(t, dir, v1); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(planted))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, []byte("theirs"), 0o644); err != nil {
			t.Fatal(err)
		}
		man := `{"generator": "kuberatorc", "environments": {"qa": [` + strconv.Quote(planted) + `, "terraform/qa/nodes.tf.json"]}}`
		if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(man), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := write(t, dir, v2)
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(planted)) {
			t.Errorf("manifest giving qa %s: %v, want a refusal naming it", planted, err)
		}
		if data, _ := os.ReadFile(target); string(data) != "theirs" {
			t.Errorf("%s was removed", planted)
		}
	}
}

// TestOneSpecPerEnvironment: the manifest remembers the spec each
// environment was built from; another spec that claims the name is refused
// while the first one exists, and takes over once it is gone (a move).
func TestOneSpecPerEnvironment(t *testing.T) {
	repo := t.TempDir()
	dir := filepath.Join(repo, "deploy")
	for _, f := range []string{"envs/qa.cue", "envs/staging-copy.cue"} {
		if err := os.MkdirAll(filepath.Join(repo, "envs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), []byte("name: \"qa\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	specOf := func(own string) Spec { return Spec{Own: own, Files: []string{own}, Root: repo} }
	b := Build{Envs: map[string]fileset.FileSet{"qa": v1}, Specs: map[string]Spec{"qa": specOf("envs/qa.cue")}}
	if _, err := writeEnvs(t, dir, b); err != nil {
		t.Fatal(err)
	}
	before := contents(t, dir)
	b = Build{Envs: map[string]fileset.FileSet{"qa": v2}, Specs: map[string]Spec{"qa": specOf("envs/staging-copy.cue")}}
	_, err := writeEnvs(t, dir, b)
	var conflict *SpecConflictError
	if !errors.As(err, &conflict) || conflict.Built != "envs/qa.cue" || conflict.Claimed != "envs/staging-copy.cue" {
		t.Fatalf("a second spec claiming qa: %v", err)
	}
	if d := cmp.Diff(before, contents(t, dir)); d != "" {
		t.Errorf("the refused build changed the tree:\n%s", d)
	}
	b.Specs["qa"] = Spec{Own: "envs/staging-copy.cue", Files: []string{"envs/qa.cue", "envs/staging-copy.cue"}, Root: repo}
	if _, err := writeEnvs(t, dir, b); err != nil {
		t.Errorf("a spec built together with the recorded one: %v", err)
	}
	if err := os.Rename(filepath.Join(repo, "envs/staging-copy.cue"), filepath.Join(repo, "envs/qa-moved.cue")); err != nil {
		t.Fatal(err)
	}
	b.Specs["qa"] = specOf("envs/qa-moved.cue")
	if _, err := writeEnvs(t, dir, b); err != nil {
		t.Errorf("the recorded spec moved: %v", err)
	}
}

// TestTerraformWorkingFilesAreNotStrays: what terraform init and apply
// leave in a module directory is Terraform's, not drift.
func TestTerraformWorkingFilesAreNotStrays(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", "qa.tfplan", "crash.log"} {
		if err := os.WriteFile(filepath.Join(dir, "terraform", "qa", name), []byte("tf"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "terraform", "qa", ".terraform", "providers"), 0o755); err != nil {
		t.Fatal(err)
	}
	if d, err := diff(t, dir, v1); err != nil || d != "" {
		t.Errorf("Terraform's working files show as drift: %v\n%s", err, d)
	}
}

// TestReadAheadChangesNoAnswer: a tree read ahead answers Fresh and Changes
// as one read when asked, whichever environments it read: a hand edit, a
// stray, an environment it did not choose.
func TestReadAheadChangesNoAnswer(t *testing.T) {
	staging := fileset.FileSet{"terraform/staging/network.tf.json": []byte("{}\n")}
	b := Build{Envs: map[string]fileset.FileSet{"qa": v1, "staging": staging}, Inputs: map[string]string{"qa": "in-qa", "staging": "in-staging"},
		Specs: map[string]Spec{"qa": {Own: "envs/qa.cue"}, "staging": {Own: "envs/staging.cue"}}}
	dir := t.TempDir()
	if _, err := writeEnvs(t, dir, b); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Fresh   map[string]bool
		Changes Changes
	}
	stopped := make(chan struct{})
	close(stopped)
	ask := func(names []string, stop <-chan struct{}) answer {
		tree, err := OpenReadOnly(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		if names != nil {
			tree.ReadAhead(names, stop)
		}
		a := answer{Fresh: map[string]bool{}}
		for env, in := range b.Inputs {
			files, err := tree.Fresh(env, in)
			if err != nil {
				t.Fatal(err)
			}
			a.Fresh[env] = files != nil
		}
		if a.Changes, err = tree.Changes(b); err != nil {
			t.Fatal(err)
		}
		return a
	}
	check := func(when string, want map[string]bool) {
		t.Helper()
		plain := ask(nil, nil)
		if diff := cmp.Diff(want, plain.Fresh); diff != "" {
			t.Errorf("%s: fresh (-want +got):\n%s", when, diff)
		}
		for _, names := range [][]string{{"qa.cue"}, {"staging.cue", "qa.cue"}, {"other.cue"}} {
			if diff := cmp.Diff(plain, ask(names, nil)); diff != "" {
				t.Errorf("%s: read ahead for %v (-plain +read ahead):\n%s", when, names, diff)
			}
		}
		if diff := cmp.Diff(plain, ask([]string{"qa.cue"}, stopped)); diff != "" {
			t.Errorf("%s: read ahead stopped at once (-plain +read ahead):\n%s", when, diff)
		}
	}
	check("as written", map[string]bool{"qa": true, "staging": true})
	stray := filepath.Join(dir, "terraform", "qa", "stray.tf.json")
	if err := os.WriteFile(stray, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("with a stray", map[string]bool{"qa": true, "staging": true})
	if err := os.WriteFile(filepath.Join(dir, "terraform", "qa", "nodes.tf.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("after a hand edit", map[string]bool{"qa": false, "staging": true})
}

// openFiles counts the process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting open files needs /proc: %v", err)
	}
	return len(fds)
}

// A tree of more directories than a process may commonly hold open (1,024
// files) is written, read ahead, compared and rewritten with at most
// maxOpenDirs of them open at once.
func TestDirectoriesOpenAtOnceAreBounded(t *testing.T) {
	files := fileset.FileSet{}
	for i := range 1500 {
		files[fmt.Sprintf("kubernetes/overlays/qa/apps/w%04d/w%04d.yaml", i, i)] = []byte("kind: x\n")
	}
	b := Build{Envs: map[string]fileset.FileSet{"qa": files}, Inputs: map[string]string{"qa": "in"}, Specs: map[string]Spec{"qa": {Own: "envs/qa.cue"}}}
	dir := t.TempDir()
	before := openFiles(t)
	bound := func(when string) {
		t.Helper()
		if open := openFiles(t) - before; open > maxOpenDirs+8 {
			t.Errorf("%s: %d files open, want at most %d directories and a few more", when, open, maxOpenDirs)
		}
	}
	tree, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Write(b); err != nil {
		t.Fatal(err)
	}
	bound("after writing")
	tree.Close()

	ro, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	ro.ReadAhead([]string{"qa.cue"}, nil)
	bound("after reading ahead")
	if c, err := ro.Changes(b); err != nil || c.Unified() != "" {
		t.Fatalf("changes of the tree as written: %q, %v", c.Unified(), err)
	}
	bound("after comparing")
	ro.Close()

	changed := fileset.FileSet{}
	for p := range files {
		changed[p] = []byte("kind: y\n")
	}
	if _, err := writeEnvs(t, dir, Build{Envs: map[string]fileset.FileSet{"qa": changed}, Inputs: b.Inputs, Specs: b.Specs}); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, dir)["kubernetes/overlays/qa/apps/w1499/w1499.yaml"]; got != "kind: y\n" {
		t.Errorf("rewritten, w1499.yaml holds %q", got)
	}
}

// Making a directory where a file or a link stands fails, naming it: the
// stage must find that out before the journal commits to moving into it.
func TestMkdirRefusesWhatIsNotADirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "a", "link")); err != nil {
		t.Fatal(err)
	}
	tree, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if err := tree.mkdirAll("a/file"); !errors.Is(err, syscall.ENOTDIR) || !strings.Contains(err.Error(), "a/file") {
		t.Errorf("mkdirAll(a/file) = %v, want not a directory, named", err)
	}
	var link *SymlinkError
	if err := tree.mkdirAll("a/link/b"); !errors.As(err, &link) || !strings.HasSuffix(link.Path, "a/link") {
		t.Errorf("mkdirAll(a/link/b) = %v, want a/link refused as a link", err)
	}
	if err := tree.mkdirAll("a/new/b"); err != nil {
		t.Errorf("mkdirAll(a/new/b) = %v", err)
	}
}

// A file that cannot be staged fails the build before its commit point,
// whichever writer meets it: the error names the first such file in path
// order, the tree is as it was (no directory made for the build either),
// and nothing staged is left behind. (A name over the file system's limit
// of 255 bytes once flattened stands in for a full disk.)
func TestFailedStagingChangesNothing(t *testing.T) {
	dir := t.TempDir()
	if _, err := write(t, dir, v1); err != nil {
		t.Fatal(err)
	}
	before, beforeDirs := contents(t, dir), directories(t, dir)
	files := maps.Clone(v2)
	for i := range 50 { // files on both sides of the ones that fail
		files[fmt.Sprintf("kubernetes/overlays/qa/apps/w%02d/w%02d.yaml", i, i)] = []byte("w: 1\n")
	}
	first, last := "a"+strings.Repeat("w", 120), "x"+strings.Repeat("w", 120)
	for _, name := range []string{first, last} {
		files["kubernetes/overlays/qa/apps/"+name+"/"+name+".yaml"] = []byte("w: 1\n")
	}
	_, err := write(t, dir, files)
	if !errors.Is(err, syscall.ENAMETOOLONG) || !strings.Contains(err.Error(), stageName+"/kubernetes%overlays%qa%apps%"+first) ||
		!strings.Contains(err.Error(), "nothing in it was changed") {
		t.Fatalf("staging names too long: %v, want the first refused and nothing changed", err)
	}
	if d := cmp.Diff(before, contents(t, dir)); d != "" {
		t.Errorf("a build that failed staging changed the files (-before +after):\n%s", d)
	}
	if d := cmp.Diff(beforeDirs, directories(t, dir)); d != "" {
		t.Errorf("a build that failed staging changed the directories (-before +after):\n%s", d)
	}
}

// directories are the directories under dir, relative to it.
func directories(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
