package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/pflag"
	"golang.org/x/mod/semver"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/cli"
)

// scaffold is what `kuberatorc init` writes: a platform repository with one
// environment, its checks and its CI.
//
//go:embed all:scaffold
var scaffold embed.FS

func runInit(args []string, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("init", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	pin := flags.String("pin", "", "the kuberatorc release tag or full commit CI and pre-commit install (default: this kuberatorc's)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kuberatorc init [DIR] [--pin REF]\n\nWrites envs/common.cue, envs/qa.cue, a pre-commit config, a CI workflow, a .gitignore and a README into DIR (default .): the files that are missing; it never overwrites a file.\n\nFlags:\n%s", flags.FlagUsages())
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	if flags.NArg() > 1 {
		flags.Usage()
		return exitError
	}
	dir := "."
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	ref, err := pinRef(*pin)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	files, err := scaffoldFiles(ref)
	if err != nil {
		return cli.InternalError(stderr, err)
	}
	// Every path is checked before anything is written: a link anywhere
	// on one (ln -s /elsewhere .github) would write outside the repository.
	var missing, kept []scaffoldFile
	for _, f := range files {
		exists, err := existsWithoutLinks(dir, f.path)
		if err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		if exists {
			kept = append(kept, f)
		} else {
			missing = append(missing, f)
		}
	}
	for _, f := range missing {
		if err := writeNew(dir, f); err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		fmt.Fprintln(stdout, "wrote", filepath.Join(dir, f.path))
	}
	for _, f := range kept {
		fmt.Fprintln(stdout, "kept", filepath.Join(dir, f.path), "(it exists)")
	}
	fmt.Fprintf(stdout, "next: kuberatorc vet %s\n", filepath.Join(dir, "envs"))
	return exitOK
}

// pinRef is the git ref the scaffold installs kuberatorc at: the one
// asked for, or this kuberatorc's release tag or full commit. A branch
// would change under the repository; a build that knows neither is told
// to say which.
func pinRef(asked string) (string, error) {
	if asked != "" {
		if !fullCommit.MatchString(asked) && !semver.IsValid(asked) {
			return "", fmt.Errorf("--pin %q is neither a release tag (v1.2.3) nor a full 40-character commit: a branch would change under the repository", asked)
		}
		return asked, nil
	}
	if ref, ok := compiler.Pin(); ok {
		return ref, nil
	}
	return "", fmt.Errorf("this kuberatorc (%s) was not built from a release or a clean commit, so there is nothing to pin CI and pre-commit to; give one with --pin v1.2.3 or --pin <full commit>", compiler.Version())
}

var fullCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)

// existsWithoutLinks reports whether a file exists under dir, refusing a
// symbolic link on any part of its path below dir.
func existsWithoutLinks(dir, p string) (bool, error) {
	parts := strings.Split(p, "/")
	cur := dir
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		info, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return false, fmt.Errorf("%s is a symbolic link; init writes only into real directories of %s (replace the link, or write the scaffold elsewhere)", cur, dir)
		}
		if i < len(parts)-1 && !info.IsDir() {
			return false, fmt.Errorf("%s is not a directory", cur)
		}
	}
	return true, nil
}

// writeNew creates a file that does not exist, and its directories,
// through a root that cannot leave dir.
func writeNew(dir string, f scaffoldFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.MkdirAll(path.Dir(f.path), 0o755); err != nil {
		return err
	}
	out, err := root.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := out.Write(f.data); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

type scaffoldFile struct {
	path string
	data []byte
}

// scaffoldFiles renders the scaffold with the git ref CI and pre-commit
// install kuberatorc at.
func scaffoldFiles(version string) ([]scaffoldFile, error) {
	var out []scaffoldFile
	err := fs.WalkDir(scaffold, "scaffold", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := scaffold.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Parse(string(data))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, map[string]string{"Version": version}); err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "scaffold/")
		// Kept as gitignore in the source tree, where git would read a
		// .gitignore as this repository's own.
		if name == "gitignore" {
			name = ".gitignore"
		}
		out = append(out, scaffoldFile{path: name, data: buf.Bytes()})
		return nil
	})
	return out, err
}
