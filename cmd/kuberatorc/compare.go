package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/summary"
	"github.com/kuberator/kuberator/internal/cli"
)

// runCompare prints what one environment has that another has not, object
// by object: a review of promoting qa's settings to staging, say.
func runCompare(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("compare", "compare A B", stderr)
	if code, ok := c.Parse(args); !ok {
		return code
	}
	if len(c.Envs) != 2 {
		fmt.Fprintf(stderr, "kuberatorc: compare takes two environments, and %s names %d\n", strings.Join(c.Args, " "), len(c.Envs))
		return exitError
	}
	results, code := c.Compile(compiler.Options{VetOnly: true}, false, stderr)
	if results == nil {
		return code
	}
	return compare(results, stdout, stderr)
}

// compare emits two checked environments and prints the second's files
// against the first's.
func compare(results []*compiler.Result, stdout, stderr io.Writer) int {
	for _, r := range results {
		if err := compiler.Emit(r); err != nil {
			return cli.InternalError(stderr, err)
		}
	}
	s, err := summary.Summarize(results[0].Files, results[1].Files)
	if err != nil {
		return cli.InternalError(stderr, err)
	}
	fmt.Fprintf(stdout, "%s → %s\n%s", results[0].Env.Name, results[1].Env.Name, s)
	return exitOK
}
