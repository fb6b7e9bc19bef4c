package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/spf13/pflag"

	"github.com/kuberator/kuberator/compiler"
)

// scaffold is what `kuberatorc init` writes: a platform repository with one
// environment, its checks and its CI.
//
//go:embed all:scaffold
var scaffold embed.FS

func runInit(args []string, stdout, stderr io.Writer) int {
	flags := pflag.NewFlagSet("init", pflag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kuberatorc init [DIR]\n\nWrites envs/common.cue, envs/qa.cue, a pre-commit config, a CI workflow and a README into DIR (default .); it never overwrites a file.\n")
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
	files, err := scaffoldFiles()
	if err != nil {
		return internalError(stderr, err)
	}
	var exist []string
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, f.path)); err == nil {
			exist = append(exist, filepath.Join(dir, f.path))
		}
	}
	if exist != nil {
		fmt.Fprintf(stderr, "kuberatorc: init writes nothing over existing files: %s\n", strings.Join(exist, ", "))
		return exitError
	}
	for _, f := range files {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		fmt.Fprintln(stdout, "wrote", p)
	}
	fmt.Fprintf(stdout, "next: kuberatorc vet %s\n", filepath.Join(dir, "envs"))
	return exitOK
}

type scaffoldFile struct {
	path string
	data []byte
}

// scaffoldFiles renders the scaffold with the version CI and pre-commit
// should install: this kuberatorc's, when it is a release.
func scaffoldFiles() ([]scaffoldFile, error) {
	version := compiler.Version()
	if !strings.HasPrefix(version, "v") {
		version = "main" // a development build has no release to pin; pin one
	}
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
		out = append(out, scaffoldFile{path: strings.TrimPrefix(p, "scaffold/"), data: buf.Bytes()})
		return nil
	})
	return out, err
}
