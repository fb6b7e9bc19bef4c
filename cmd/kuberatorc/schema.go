package main

import (
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/kuberator/kuberator/internal/cli"
	"github.com/kuberator/kuberator/schema"
)

// printSchema prints the schema specs are checked against, for editors and
// for cue users.
func runSchema(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "kuberatorc: schema takes no arguments")
		return exitError
	}
	names, err := fs.Glob(schema.FS, "*.cue")
	if err != nil {
		return cli.InternalError(stderr, err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(schema.FS, path.Clean(name))
		if err != nil {
			return cli.InternalError(stderr, err)
		}
		stdout.Write(data)
	}
	return exitOK
}
