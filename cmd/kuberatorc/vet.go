package main

import (
	"io"

	"github.com/kuberator/kuberator/compiler"
)

func runVet(args []string, stdout, stderr io.Writer) int {
	c := newCommon("vet", "vet SPEC...|DIR [--strict]", stderr)
	strict := c.flags.Bool("strict", false, "fail on warnings too")
	if code, ok := c.parse(args); !ok {
		return code
	}
	_, code := c.compile(compiler.Options{VetOnly: true}, *strict, stderr)
	return code
}
