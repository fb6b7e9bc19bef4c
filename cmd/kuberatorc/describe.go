package main

import (
	"fmt"
	"io"

	"github.com/kuberator/kuberator/cmd/kuberatorc/views"
	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/describe"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/internal/cli"
)

func runDescribe(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("describe", "describe SPEC...|DIR [-o DIR] [--format text|json]", stderr)
	format := c.Flags.String("format", "text", "output format: text or json")
	out := c.Flags.StringP("output", "o", "out", "output directory: an upgrade from the version built there is described, when it exists")
	if code, ok := c.Parse(args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "kuberatorc: --format must be text or json, not %q\n", *format)
		return exitError
	}
	opts := compiler.Options{VetOnly: true}
	if cli.IsDir(*out) {
		opts.OutputDir = *out
	}
	results, code := c.Compile(opts, false, stderr)
	if results == nil {
		return code
	}
	describeOne := func(r *compiler.Result) describe.Description {
		var before *describe.Before
		if opts.OutputDir != "" {
			before = compiler.Before(r.Env, opts.OutputDir)
		}
		return describe.New(r.Env, r.Plan, before)
	}
	if err := writeDescriptions(results, describeOne, *format, stdout); err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	return exitOK
}

// writeDescriptions prints one environment's plan as it is, and several
// one after another under their names (JSON: an object by name).
func writeDescriptions(results []*compiler.Result, describeOne func(*compiler.Result) describe.Description, format string, w io.Writer) error {
	if format == "json" {
		var v any = describeOne(results[0])
		if len(results) > 1 {
			byName := map[string]describe.Description{}
			for _, r := range results {
				byName[r.Env.Name] = describeOne(r)
			}
			v = byName
		}
		data, err := fileset.JSON(v)
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	}
	for i, r := range results {
		if len(results) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "=== environment %s\n", r.Env.Name)
		}
		if err := views.Description(w, describeOne(r)); err != nil {
			return err
		}
	}
	return nil
}
