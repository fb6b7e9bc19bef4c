package main

import (
	"io"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/cli"
)

func runVet(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("vet", "vet SPEC...|DIR [--strict]", stderr)
	strict := c.Flags.Bool("strict", false, "fail on warnings too")
	if code, ok := c.Parse(args); !ok {
		return code
	}
	_, code := c.Compile(compiler.Options{VetOnly: true}, *strict, stderr)
	return code
}
