// Command kuberatorc compiles a CUE environment spec into Terraform JSON,
// Kustomize overlays and alert definitions. It only parses flags, calls the
// compiler package and prints; see `kuberatorc help`.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
)

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1 // the spec is invalid, or diff found drift
	exitError   = 2 // usage, I/O or internal error
)

const usage = `kuberatorc compiles one CUE environment spec into everything the environment needs.

Usage:
  kuberatorc build SPEC... [-o DIR]   compile and write the output tree
  kuberatorc vet SPEC...              validate only; nothing is written
  kuberatorc diff SPEC... [-o DIR]    compare the output with DIR; exit 1 on drift
  kuberatorc describe SPEC...         print the plan: subnets, ASGs, capacity, add-ons, alerts
  kuberatorc render SPEC...           print the environment's final Kubernetes manifests (kustomize, in memory)
  kuberatorc version                  print the version

SPEC... are the files of one environment (for example envs/common.cue envs/qa.cue).
Run 'kuberatorc COMMAND --help' for a command's flags.

Exit codes: 0 success, 1 invalid spec or drift, 2 usage, I/O or internal error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "build":
		return build(rest, stdout, stderr)
	case "vet":
		return vet(rest, stdout, stderr)
	case "diff":
		return diff(rest, stdout, stderr)
	case "describe":
		return describe(rest, stdout, stderr)
	case "render":
		return render(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "kuberatorc", version())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "kuberatorc: unknown command %q\n\n%s", cmd, usage)
		return exitError
	}
}

// common holds what every compiling command shares.
type common struct {
	flags       *pflag.FlagSet
	diagnostics string
	evalLimit   time.Duration
	specs       []string
}

func newCommon(name, synopsis string, stderr io.Writer) *common {
	c := &common{flags: pflag.NewFlagSet(name, pflag.ContinueOnError)}
	c.flags.SetOutput(stderr)
	c.flags.StringVar(&c.diagnostics, "diagnostics", "text", "diagnostics format on stderr: text or json")
	c.flags.DurationVar(&c.evalLimit, "eval-limit", compiler.DefaultEvalLimit, "give up evaluating the spec after this long")
	c.flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kuberatorc %s\n\nFlags:\n%s", synopsis, c.flags.FlagUsages())
	}
	return c
}

// parse reads flags and spec paths; it returns an exit code when the command
// should stop (help, or a usage error).
func (c *common) parse(args []string) (int, bool) {
	if err := c.flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK, false
		}
		fmt.Fprintln(c.flags.Output(), "kuberatorc:", err)
		return exitError, false
	}
	if c.diagnostics != "text" && c.diagnostics != "json" {
		fmt.Fprintf(c.flags.Output(), "kuberatorc: --diagnostics must be text or json, not %q\n", c.diagnostics)
		return exitError, false
	}
	c.specs = c.flags.Args()
	if len(c.specs) == 0 {
		fmt.Fprintln(c.flags.Output(), "kuberatorc: no spec files given")
		c.flags.Usage()
		return exitError, false
	}
	return 0, true
}

// compile runs the compiler and prints its diagnostics. It returns the result,
// or an exit code when there is nothing to go on with.
func (c *common) compile(opts compiler.Options, strict bool, stderr io.Writer) (*compiler.Result, int) {
	srcs, err := compiler.ReadSources(c.specs)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return nil, exitError
	}
	opts.EvalLimit = c.evalLimit
	res, diags, err := compiler.Compile(srcs, opts)
	if c.diagnostics == "json" {
		diags.WriteJSON(stderr)
	} else {
		diags.WriteText(stderr)
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "kuberatorc: internal error: %v\n(this is a bug in kuberatorc; please report it with the spec)\n", err)
		return nil, exitError
	case res == nil || diags.HasErrors(strict):
		return nil, exitInvalid
	}
	return res, exitOK
}

func build(args []string, stdout, stderr io.Writer) int {
	c := newCommon("build", "build SPEC... [-o DIR]", stderr)
	out := c.flags.StringP("output", "o", "out", "output directory")
	if code, ok := c.parse(args); !ok {
		return code
	}
	res, code := c.compile(compiler.Options{OutputDir: *out}, false, stderr)
	if res == nil {
		return code
	}
	sum, err := compiler.Write(res.Files, *out)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "kuberatorc: %s → %s: %s\n", strings.Join(c.specs, " "), *out, sum)
	return exitOK
}

func vet(args []string, stdout, stderr io.Writer) int {
	c := newCommon("vet", "vet SPEC... [--strict]", stderr)
	strict := c.flags.Bool("strict", false, "fail on warnings too")
	if code, ok := c.parse(args); !ok {
		return code
	}
	_, code := c.compile(compiler.Options{VetOnly: true}, *strict, stderr)
	return code
}

func diff(args []string, stdout, stderr io.Writer) int {
	c := newCommon("diff", "diff SPEC... [-o DIR]", stderr)
	out := c.flags.StringP("output", "o", "out", "directory holding the committed output")
	if code, ok := c.parse(args); !ok {
		return code
	}
	res, code := c.compile(compiler.Options{OutputDir: *out}, false, stderr)
	if res == nil {
		return code
	}
	d, err := compiler.Diff(res.Files, *out)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	if d != "" {
		fmt.Fprint(stdout, d)
		fmt.Fprintf(stderr, "kuberatorc: %s differs from %s; run kuberatorc build to update it\n", *out, strings.Join(c.specs, " "))
		return exitInvalid
	}
	return exitOK
}

func describe(args []string, stdout, stderr io.Writer) int {
	c := newCommon("describe", "describe SPEC... [--format text|json]", stderr)
	format := c.flags.String("format", "text", "output format: text or json")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "kuberatorc: --format must be text or json, not %q\n", *format)
		return exitError
	}
	res, code := c.compile(compiler.Options{VetOnly: true}, false, stderr)
	if res == nil {
		return code
	}
	d := compiler.Describe(res)
	var err error
	if *format == "json" {
		var data []byte
		if data, err = fileset.JSON(d); err == nil {
			_, err = stdout.Write(data)
		}
	} else {
		err = d.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	return exitOK
}

func render(args []string, stdout, stderr io.Writer) int {
	c := newCommon("render", "render SPEC... [-o DIR]", stderr)
	dir := c.flags.StringP("output", "o", "out", "output directory, where the spec's hand-written manifests are")
	if code, ok := c.parse(args); !ok {
		return code
	}
	res, code := c.compile(compiler.Options{}, false, stderr)
	if res == nil {
		return code
	}
	files, err := compiler.WithManifests(res.Files, res.Env, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	out, err := compiler.Render(files, res.Env.Name)
	if err != nil {
		fmt.Fprintf(stderr, "kuberatorc: internal error: %v\n(this is a bug in kuberatorc; please report it with the spec)\n", err)
		return exitError
	}
	stdout.Write(out)
	return exitOK
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
