package main

import (
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/render"
	"github.com/kuberator/kuberator/internal/cli"
)

func runRender(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("render", "render SPEC... [-o DIR]", stderr)
	dir := c.Flags.StringP("output", "o", "out", "output directory, where the spec's hand-written manifests are")
	if code, ok := c.Parse(args); !ok {
		return code
	}
	if len(c.Envs) > 1 {
		fmt.Fprintln(stderr, "kuberatorc: render prints one environment's manifests; name one environment")
		return exitError
	}
	results, code := c.Compile(compiler.Options{}, false, stderr)
	if results == nil {
		return code
	}
	res := results[0]
	files, err := render.WithManifests(res.Files, res.Env, *dir)
	var bad *render.ManifestError
	if errors.As(err, &bad) {
		fmt.Fprintln(stderr, path.Join(*dir, bad.File)+": error:", bad.Err)
		return exitInvalid
	}
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	out, err := render.Build(files, res.Env.Name)
	if err != nil {
		return cli.InternalError(stderr, err)
	}
	stdout.Write(out)
	return exitOK
}
