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
	"slices"
	"time"

	"github.com/spf13/pflag"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/load"
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
  kuberatorc compare A B                  what environment B changes against environment A, object by object
  kuberatorc preflight SPEC...|DIR        check, read-only, that the AWS account holds what the first apply needs
  kuberatorc init [DIR]                   scaffold a platform repository: envs/, pre-commit, CI
  kuberatorc schema                       print the schema specs are checked against
  kuberatorc version                      print the version

SPEC... are the files of one environment (env.cue extra.cue, or envs/common.cue
envs/qa.cue). DIR is a directory of environments: each .cue file in it is one
environment, compiled with the shared files (--shared, default common.cue). A
file beside a shared file it does not name is that directory's environment:
envs/qa.cue means envs/common.cue + envs/qa.cue.
Run 'kuberatorc COMMAND --help' for a command's flags.

Exit codes: 0 success; 1 invalid spec, drift (diff), or something missing
in AWS (preflight); 2 usage, I/O, AWS or internal error; 3 diff could not
compare because a spec is invalid.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades memory for time: a compile allocates several times its live
// heap, and with Go's default the collector runs on a core the compile
// needs. A soft memory limit, in proportion to the specs, keeps the peak
// bounded. It must stay well clear of the live heap, which grows to about
// 300 bytes per byte of spec (gctrace: 213 MiB for qa with 5,000
// workloads, 705 KB of spec): a limit of 280 bytes per byte had the
// collector run without pause there, and vet took 3.1 s instead of 1.8 s.
// At about three times the live heap it only caps GOGC's growth. GOGC and
// GOMEMLIMIT, when set, win.
func tuneGC(specBytes int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32<<20 + 1024*specBytes)
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
		return runBuild(rest, stdout, stderr)
	case "vet":
		return runVet(rest, stdout, stderr)
	case "diff":
		return runDiff(rest, stdout, stderr)
	case "describe":
		return runDescribe(rest, stdout, stderr)
	case "render":
		return runRender(rest, stdout, stderr)
	case "preflight":
		return runPreflight(rest, stdout, stderr)
	case "compare":
		return runCompare(rest, stdout, stderr)
	case "init":
		return runInit(rest, stdout, stderr)
	case "schema":
		return runSchema(rest, stdout, stderr)
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
	quiet       bool
	args        []string
	envs        []load.EnvSpec
}

func newCommon(name, synopsis string, stderr io.Writer) *common {
	c := &common{flags: pflag.NewFlagSet(name, pflag.ContinueOnError)}
	c.flags.SetOutput(stderr)
	c.flags.StringVar(&c.diagnostics, "diagnostics", "text", "diagnostics format on stderr: text or json")
	c.flags.DurationVar(&c.evalLimit, "eval-limit", compiler.DefaultEvalLimit, "give up evaluating a spec after this long")
	c.flags.StringSliceVar(&c.shared, "shared", load.DefaultShared, "names of the files every environment of a directory shares")
	c.flags.BoolVarP(&c.quiet, "quiet", "q", false, "print errors and warnings only, not the notes that say what kuberatorc chose")
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
	envs, err := load.Resolve(c.args, c.shared)
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

// repository reports whether the arguments name a directory of
// environments, rather than spec files.
func (c *common) repository() bool {
	return len(c.args) == 1 && isDir(c.args[0])
}

// directory is the directory of environments the arguments name, or "".
func (c *common) directory() string {
	if c.repository() {
		return c.args[0]
	}
	return ""
}

// usageError prints a misuse of the command's flags.
func (c *common) usageError(msg string) int {
	fmt.Fprintln(c.flags.Output(), "kuberatorc:", msg)
	return exitError
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
	if c.quiet {
		diags = slices.DeleteFunc(diags, func(d diag.Diagnostic) bool { return d.Severity == diag.Note })
	}
	write := diags.WriteText
	if c.diagnostics == "json" {
		write = diags.WriteJSON
	}
	if err := write(stderr); err != nil {
		// With no way to report the findings, no result can be trusted.
		return nil, exitError
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

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}
