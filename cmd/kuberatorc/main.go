// Command kuberatorc compiles a CUE environment spec into Terraform JSON,
// Kustomize overlays and alert definitions. It only parses flags, calls the
// compiler package and prints; see `kuberatorc help`.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/summary"
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 1 // the spec is invalid, or diff found drift
	exitError       = 2 // usage, I/O or internal error
	exitDiffInvalid = 3 // diff could not compare: the spec is invalid
)

const usage = `kuberatorc compiles CUE environment specs into everything each environment needs.

Usage:
  kuberatorc build SPEC...|DIR [-o DIR]   compile and write the output tree
  kuberatorc vet SPEC...|DIR              validate only; nothing is written
  kuberatorc diff SPEC...|DIR [-o DIR]    compare the output with DIR; exit 1 on drift
  kuberatorc describe SPEC...|DIR         print the plan: subnets, ASGs, capacity, add-ons, alerts
  kuberatorc render SPEC...               print an environment's final Kubernetes manifests (kustomize, in memory)
  kuberatorc init [DIR]                   scaffold a platform repository: envs/, pre-commit, CI
  kuberatorc schema                       print the schema specs are checked against
  kuberatorc version                      print the version

SPEC... are the files of one environment (env.cue extra.cue, or envs/common.cue
envs/qa.cue). DIR is a directory of environments: each .cue file in it is one
environment, compiled with the shared files (--shared, default common.cue). A
file beside a shared file it does not name is that directory's environment:
envs/qa.cue means envs/common.cue + envs/qa.cue.
Run 'kuberatorc COMMAND --help' for a command's flags.

Exit codes: 0 success; 1 invalid spec, or drift (diff); 2 usage, I/O or
internal error; 3 diff could not compare because a spec is invalid.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades memory for time: a compile allocates several times its live
// heap, and with Go's default the collector runs on a core the compile
// needs. A soft memory limit, in proportion to the specs (the live heap is
// about 240 bytes per byte of spec, so the limit stays clear of it), keeps
// the peak bounded: 71 MiB of heap for qa with 1,000 workloads. GOGC and
// GOMEMLIMIT, when set, win.
func tuneGC(specBytes int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32<<20 + 280*specBytes)
	}
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
	case "init":
		return initRepo(rest, stdout, stderr)
	case "schema":
		return printSchema(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "kuberatorc", compiler.Version(), runtime.Version())
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
	shared      []string
	args        []string
	envs        []compiler.EnvSpec
}

func newCommon(name, synopsis string, stderr io.Writer) *common {
	c := &common{flags: pflag.NewFlagSet(name, pflag.ContinueOnError)}
	c.flags.SetOutput(stderr)
	c.flags.StringVar(&c.diagnostics, "diagnostics", "text", "diagnostics format on stderr: text or json")
	c.flags.DurationVar(&c.evalLimit, "eval-limit", compiler.DefaultEvalLimit, "give up evaluating a spec after this long")
	c.flags.StringSliceVar(&c.shared, "shared", compiler.DefaultShared, "names of the files every environment of a directory shares")
	c.flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kuberatorc %s\n\nFlags:\n%s", synopsis, c.flags.FlagUsages())
	}
	return c
}

// parse reads flags and spec arguments; it returns an exit code when the
// command should stop (help, or a usage error).
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
	c.args = c.flags.Args()
	if len(c.args) == 0 {
		fmt.Fprintln(c.flags.Output(), "kuberatorc: no spec files given")
		c.flags.Usage()
		return exitError, false
	}
	envs, err := compiler.Resolve(c.args, c.shared)
	if err != nil {
		fmt.Fprintln(c.flags.Output(), "kuberatorc:", err)
		return exitError, false
	}
	c.envs = envs
	var size int64
	for _, e := range envs {
		for _, p := range e.Paths {
			if info, err := os.Stat(p); err == nil {
				size += info.Size()
			}
		}
	}
	tuneGC(size)
	return 0, true
}

// compile compiles every environment and prints the diagnostics. It returns
// the results, or an exit code when there is nothing to go on with: a build
// of several environments writes none of them if any has an error.
func (c *common) compile(opts compiler.Options, strict bool, stderr io.Writer) ([]*compiler.Result, int) {
	opts.EvalLimit = c.evalLimit
	envs, diags, err := compiler.CompileAll(c.envs, opts)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return nil, exitError
	}
	if c.diagnostics == "json" {
		diags.WriteJSON(stderr)
	} else {
		diags.WriteText(stderr)
	}
	var results []*compiler.Result
	for _, e := range envs {
		if e.Result == nil {
			return nil, exitInvalid
		}
		results = append(results, e.Result)
	}
	if diags.HasErrors(strict) {
		return nil, exitInvalid
	}
	return results, exitOK
}

// internalError reports a failure of kuberatorc itself.
func internalError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "kuberatorc: internal error: %v\n(this is a bug in kuberatorc; please report it with the spec)\n", err)
	return exitError
}

func build(args []string, stdout, stderr io.Writer) int {
	c := newCommon("build", "build SPEC...|DIR [-o DIR] [--prune]", stderr)
	out := c.flags.StringP("output", "o", "out", "output directory")
	prune := c.flags.Bool("prune", false, "remove the environments the output directory holds and the specs no longer name")
	if code, ok := c.parse(args); !ok {
		return code
	}
	// Check first; emit only when the tree does not already hold exactly
	// what these inputs make (a rebuild then costs a vet and a read).
	results, code := c.compile(compiler.Options{OutputDir: *out, VetOnly: true}, false, stderr)
	if results == nil {
		return code
	}
	if !*prune {
		if fresh, n, err := compiler.Fresh(results, *out); err == nil && fresh {
			fmt.Fprintf(stdout, "kuberatorc: %s → %s: %s\n", strings.Join(c.args, " "), *out, compiler.Summary{Unchanged: make([]string, n)})
			return exitOK
		}
	}
	for _, r := range results {
		if err := compiler.Emit(r); err != nil {
			return internalError(stderr, err)
		}
	}
	sum, err := compiler.Write(results, *out, compiler.WriteOptions{Prune: *prune})
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "kuberatorc: %s → %s: %s\n", strings.Join(c.args, " "), *out, sum)
	return exitOK
}

func vet(args []string, stdout, stderr io.Writer) int {
	c := newCommon("vet", "vet SPEC...|DIR [--strict]", stderr)
	strict := c.flags.Bool("strict", false, "fail on warnings too")
	if code, ok := c.parse(args); !ok {
		return code
	}
	_, code := c.compile(compiler.Options{VetOnly: true}, *strict, stderr)
	return code
}

func diff(args []string, stdout, stderr io.Writer) int {
	c := newCommon("diff", "diff SPEC...|DIR [-o DIR] [--prune] [--summary]", stderr)
	out := c.flags.StringP("output", "o", "out", "directory holding the committed output")
	prune := c.flags.Bool("prune", false, "count the environments the output directory holds and the specs no longer name as removed")
	summary := c.flags.Bool("summary", false, "print what changes, object by object, instead of a line diff; given two environment files, compare them with each other")
	if code, ok := c.parse(args); !ok {
		return code
	}
	results, code := c.compile(compiler.Options{OutputDir: *out}, false, stderr)
	if results == nil {
		if code == exitInvalid {
			fmt.Fprintln(stderr, "kuberatorc: the spec is invalid; nothing was compared")
			return exitDiffInvalid
		}
		return code
	}
	if *summary {
		return summarize(results, c, *out, stdout, stderr)
	}
	d, err := compiler.Diff(results, *out, compiler.WriteOptions{Prune: *prune})
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	if d != "" {
		fmt.Fprint(stdout, d)
		fmt.Fprintf(stderr, "kuberatorc: %s differs from %s; run kuberatorc build to update it\n", *out, strings.Join(c.args, " "))
		return exitInvalid
	}
	return exitOK
}

func describe(args []string, stdout, stderr io.Writer) int {
	c := newCommon("describe", "describe SPEC...|DIR [--format text|json]", stderr)
	format := c.flags.String("format", "text", "output format: text or json")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "kuberatorc: --format must be text or json, not %q\n", *format)
		return exitError
	}
	results, code := c.compile(compiler.Options{VetOnly: true}, false, stderr)
	if results == nil {
		return code
	}
	if err := writeDescriptions(results, *format, stdout); err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	return exitOK
}

// writeDescriptions prints one environment's plan as it is, and several
// one after another under their names (JSON: an object by name).
func writeDescriptions(results []*compiler.Result, format string, w io.Writer) error {
	if format == "json" {
		var v any = compiler.Describe(results[0])
		if len(results) > 1 {
			byName := map[string]compiler.Description{}
			for _, r := range results {
				byName[r.Env.Name] = compiler.Describe(r)
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
		if err := compiler.Describe(r).WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

func render(args []string, stdout, stderr io.Writer) int {
	c := newCommon("render", "render SPEC... [-o DIR]", stderr)
	dir := c.flags.StringP("output", "o", "out", "output directory, where the spec's hand-written manifests are")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if len(c.envs) > 1 {
		fmt.Fprintln(stderr, "kuberatorc: render prints one environment's manifests; name one environment")
		return exitError
	}
	results, code := c.compile(compiler.Options{}, false, stderr)
	if results == nil {
		return code
	}
	res := results[0]
	files, err := compiler.WithManifests(res.Files, res.Env, *dir)
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	out, err := compiler.Render(files, res.Env.Name)
	if err != nil {
		return internalError(stderr, err)
	}
	stdout.Write(out)
	return exitOK
}

// summarize prints what a build would change, object by object: each
// environment against the output directory, or, given two environment
// files, the second against the first.
func summarize(results []*compiler.Result, c *common, out string, stdout, stderr io.Writer) int {
	if len(results) == 2 && !isDir(c.args[0]) {
		s, err := summary.Summarize(results[0].Files, results[1].Files)
		if err != nil {
			return internalError(stderr, err)
		}
		fmt.Fprintf(stdout, "%s → %s\n%s", results[0].Env.Name, results[1].Env.Name, s)
		return exitOK
	}
	drift := false
	for _, r := range results {
		old, err := compiler.Committed(out, r.Env.Name)
		if err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		s, err := summary.Summarize(old, r.Files)
		if err != nil {
			return internalError(stderr, err)
		}
		if s == "" {
			continue
		}
		drift = true
		if len(results) > 1 {
			fmt.Fprintf(stdout, "=== environment %s\n", r.Env.Name)
		}
		fmt.Fprint(stdout, s)
	}
	if drift {
		return exitInvalid
	}
	return exitOK
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}
