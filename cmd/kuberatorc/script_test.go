package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/internal/testutil"
	"github.com/kuberator/kuberator/schema"
	"github.com/kuberator/kuberator/stdlib"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kuberatorc": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
		// kuberatorc-next stands in a later kuberatorc release, whose catalog
		// pins the nginx chart at 2.6.5 (this one pins 2.6.4).
		"kuberatorc-next": func() {
			load.Library = nextLibrary()
			os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
		},
		// kuberatorc-grafana-strict stands in a release whose grafana chart
		// declares kubeVersion ">=1.25.0", without the -0 that admits
		// EKS's pre-release-suffixed versions.
		"kuberatorc-grafana-strict": func() {
			load.Library = patchedLibrary(`kubeVersion: "^1.25.0-0"`, `kubeVersion: ">=1.25.0"`)
			os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// patchedLibrary is the embedded schema and stdlib with one piece of the
// add-on catalog replaced, as another release's catalog would have it.
func patchedLibrary(old, new string) []fs.FS {
	catalog, err := fs.ReadFile(stdlib.FS, "addons.cue")
	if err != nil {
		panic(err)
	}
	if bytes.Count(catalog, []byte(old)) != 1 {
		panic(fmt.Sprintf("the catalog holds %q not exactly once: update the test program", old))
	}
	next := fstest.MapFS{}
	names, _ := fs.Glob(stdlib.FS, "*.cue")
	for _, name := range names {
		data, _ := fs.ReadFile(stdlib.FS, name)
		next[name] = &fstest.MapFile{Data: data}
	}
	next["addons.cue"] = &fstest.MapFile{Data: bytes.Replace(catalog, []byte(old), []byte(new), 1)}
	return []fs.FS{schema.FS, next}
}

// nextLibrary is the embedded schema and stdlib with the nginx chart's
// version moved on, as the next release's catalog would pin it.
func nextLibrary() []fs.FS {
	const pinned = "repository: \"https://helm.nginx.com/stable\"\n\t\tversion:    \"2.6.4\""
	return patchedLibrary(pinned, strings.Replace(pinned, "2.6.4", "2.6.5", 1))
}

// TestScripts runs the CLI behaviours in testdata/script/*.txtar. Each script
// starts with the bundled examples in $WORK/examples. Set
// KUBERATOR_UPDATE=1 (make golden) to rewrite the expected output they compare with.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: testutil.Update(),
		Setup: func(env *testscript.Env) error {
			// Scripts that run terraform init find the AWS provider here.
			env.Setenv("TF_PLUGIN_DIR", testutil.PluginDir())
			dst := filepath.Join(env.WorkDir, "examples")
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
			for _, name := range testutil.Examples {
				data, err := os.ReadFile(testutil.ExamplePath(name))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dst, name+".cue"), data, 0o644); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     exits,
			"replace":   replace,
			"snapshot":  snapshot,
			"unchanged": unchanged,
			"readonly":  readonly,
			"writable":  writable,
		},
	})
}

// exits N CMD ARGS... runs a program and asserts its exact exit code.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exits: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// replace FILE OLD NEW rewrites the one occurrence of OLD in FILE.
func replace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	// A script's argument cannot hold a line break: \n stands for one.
	old, new := strings.ReplaceAll(args[1], `\n`, "\n"), strings.ReplaceAll(args[2], `\n`, "\n")
	if n := strings.Count(string(data), old); n != 1 {
		ts.Fatalf("replace: %q occurs %d times in %s, want once", old, n, args[0])
	}
	ts.Check(os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
}

// snapshot DIR records every file under DIR, path and bytes, for a later
// unchanged DIR.
func snapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snapshot DIR")
	}
	ts.Setenv("SNAPSHOT_"+args[0], treeDigest(ts, args[0]))
}

// unchanged DIR asserts that no file under DIR was written, added or
// removed since snapshot DIR.
func unchanged(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unchanged DIR")
	}
	want := ts.Getenv("SNAPSHOT_" + args[0])
	if want == "" {
		ts.Fatalf("unchanged %s: no snapshot of it", args[0])
	}
	if got := treeDigest(ts, args[0]); got != want {
		ts.Fatalf("%s changed since its snapshot:\n%s\nwas\n%s", args[0], got, want)
	}
}

// treeDigest lists a directory's files with a hash of each, one per line.
func treeDigest(ts *testscript.TestScript, dir string) string {
	var b strings.Builder
	root := ts.MkAbs(dir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%x %s\n", sha256.Sum256(data), filepath.ToSlash(rel))
		return nil
	})
	ts.Check(err)
	return b.String()
}

// readonly DIR makes a directory refuse new entries, even to root (who
// ignores permission bits): chmod for anyone else, the immutable
// attribute (chattr +i) for root. A machine where neither works fails the
// test; it never passes silently.
func readonly(ts *testscript.TestScript, neg bool, args []string) {
	setWritable(ts, neg, args, "readonly", false)
}

// writable DIR undoes readonly.
func writable(ts *testscript.TestScript, neg bool, args []string) {
	setWritable(ts, neg, args, "writable", true)
}

func setWritable(ts *testscript.TestScript, neg bool, args []string, cmd string, writable bool) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: %s DIR", cmd)
	}
	mode, attr := os.FileMode(0o555), "+i"
	if writable {
		mode, attr = 0o755, "-i"
	}
	if os.Geteuid() != 0 {
		ts.Check(os.Chmod(ts.MkAbs(args[0]), mode))
		return
	}
	if out, err := exec.Command("chattr", attr, ts.MkAbs(args[0])).CombinedOutput(); err != nil {
		ts.Fatalf("chattr %s %s: %v\n%s", attr, args[0], err, out)
	}
}
