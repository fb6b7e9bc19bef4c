// Package cli is what kuberatorc's commands share, kuberatorc-preflight
// with them: the flags of a compiling command, compiling and printing the
// diagnostics, the exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
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
	ExitOK          = 0
	ExitInvalid     = 1 // the spec is invalid, or diff found drift
	ExitError       = 2 // usage, I/O or internal error
	ExitDiffInvalid = 3 // diff could not compare: the spec is invalid
)

// Common holds what every compiling command shares.
type Common struct {
	Flags       *pflag.FlagSet
	diagnostics string
	evalLimit   time.Duration
	shared      []string
	quiet       bool
	Args        []string       // the spec arguments, once parsed
	Envs        []load.EnvSpec // the environments they name
	ownGC       bool           // GOGC is kuberatorc's to set
}

// NewCommon makes the flags of a compiling command; name is the command's,
// as in kuberatorc NAME.
func NewCommon(name, synopsis string, stderr io.Writer) *Common {
	c := &Common{Flags: pflag.NewFlagSet(name, pflag.ContinueOnError)}
	c.Flags.SetOutput(stderr)
	c.Flags.StringVar(&c.diagnostics, "diagnostics", "text", "diagnostics format on stderr: text or json")
	c.Flags.DurationVar(&c.evalLimit, "eval-limit", compiler.DefaultEvalLimit, "give up evaluating a spec after this long")
	c.Flags.StringSliceVar(&c.shared, "shared", load.DefaultShared, "names of the files every environment of a directory shares")
	c.Flags.BoolVarP(&c.quiet, "quiet", "q", false, "print errors and warnings only, not the notes that say what kuberatorc chose")
	c.Flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: kuberatorc %s\n\nFlags:\n%s", synopsis, c.Flags.FlagUsages())
	}
	return c
}

// Parse reads flags and spec arguments; it returns an exit code when the
// command should stop (help, or a usage error).
func (c *Common) Parse(args []string) (int, bool) {
	if err := c.Flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return ExitOK, false
		}
		fmt.Fprintln(c.Flags.Output(), "kuberatorc:", err)
		return ExitError, false
	}
	if c.diagnostics != "text" && c.diagnostics != "json" {
		fmt.Fprintf(c.Flags.Output(), "kuberatorc: --diagnostics must be text or json, not %q\n", c.diagnostics)
		return ExitError, false
	}
	c.Args = c.Flags.Args()
	if len(c.Args) == 0 {
		fmt.Fprintln(c.Flags.Output(), "kuberatorc: no spec files given")
		c.Flags.Usage()
		return ExitError, false
	}
	envs, err := load.Resolve(c.Args, c.shared)
	if err != nil {
		fmt.Fprintln(c.Flags.Output(), "kuberatorc:", err)
		return ExitError, false
	}
	c.Envs = envs
	var size int64
	for _, e := range envs {
		for _, p := range e.Paths {
			if info, err := os.Stat(p); err == nil {
				size += info.Size()
			}
		}
	}
	c.tuneGC(size)
	return 0, true
}

// SpecFiles are the files of every environment the arguments name.
func (c *Common) SpecFiles() []string {
	var files []string
	for _, e := range c.Envs {
		files = append(files, e.Paths...)
	}
	return files
}

// Repository reports whether the arguments name a directory of
// environments, rather than spec files.
func (c *Common) Repository() bool {
	return len(c.Args) == 1 && IsDir(c.Args[0])
}

// Directory is the directory of environments the arguments name, or "".
func (c *Common) Directory() string {
	if c.Repository() {
		return c.Args[0]
	}
	return ""
}

// UsageError prints a misuse of the command's flags.
func (c *Common) UsageError(msg string) int {
	fmt.Fprintln(c.Flags.Output(), "kuberatorc:", msg)
	return ExitError
}

// Compile compiles every environment and prints the diagnostics. It returns
// the results, or an exit code when there is nothing to go on with: a build
// of several environments writes none of them if any has an error.
func (c *Common) Compile(opts compiler.Options, strict bool, stderr io.Writer) ([]*compiler.Result, int) {
	opts.EvalLimit = c.evalLimit
	var envs []compiler.EnvResult
	var diags diag.Diagnostics
	var err error
	compile := func() { envs, diags, err = compileAll(c.Envs, opts) }
	if opts.VetOnly {
		c.withCollectorOff(compile)
	} else {
		compile() // it emits too, whose garbage the collector should reuse
	}
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return nil, ExitError
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
		return nil, ExitError
	}
	var results []*compiler.Result
	for _, e := range envs {
		if e.Result == nil {
			return nil, ExitInvalid
		}
		results = append(results, e.Result)
	}
	if diags.HasErrors(strict) {
		return nil, ExitInvalid
	}
	return results, ExitOK
}

// InternalError reports a failure of kuberatorc itself.
func InternalError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "kuberatorc: internal error: %v\n(this is a bug in kuberatorc; please report it with the spec)\n", err)
	return ExitError
}

func IsDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// compileAll is compiler.CompileAll, which a test replaces to see how the
// collector is set while it runs.
var compileAll = compiler.CompileAll

// gcPercent is the GOGC kuberatorc sets when the environment does not.
const gcPercent = 400

// tuneGC trades memory for time: a compile allocates several times its live
// heap, and with Go's default the collector runs on a core the compile
// needs. A soft memory limit, in proportion to the specs, keeps the peak
// bounded. It must stay well clear of the live heap, which grows to about
// 300 bytes per byte of spec (gctrace: 213 MiB for qa with 5,000
// workloads, 705 KB of spec): a limit of 280 bytes per byte had the
// collector run without pause there, and vet took 3.1 s instead of 1.8 s.
// At about three times the live heap it only caps GOGC's growth. GOGC and
// GOMEMLIMIT, when set, win.
func (c *Common) tuneGC(specBytes int64) {
	c.ownGC = os.Getenv("GOGC") == ""
	if c.ownGC {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32<<20 + 1024*specBytes)
	}
}

// withCollectorOff runs a compile that emits nothing (VetOnly) with the
// collector off, triggered by the memory limit alone, when kuberatorc set
// GOGC and a limit bounds the heap. What CUE's evaluation allocates stays
// live until the emitters run, so collecting while it evaluates frees
// little: GOGC=400 collected twice (at 16 and 57 MB) and cost 7% of a
// build at 1,000 workloads and 4% of a vet at 5,000 (gctrace, paired
// runs). The emitters' garbage is collected at GOGC again: with the
// collector off to the end, memory the collector would have reused is
// faulted in fresh, and a build at 100 workloads took 6% longer.
func (c *Common) withCollectorOff(compile func()) {
	if !c.ownGC || debug.SetMemoryLimit(-1) == math.MaxInt64 {
		compile()
		return
	}
	debug.SetGCPercent(-1)
	defer debug.SetGCPercent(gcPercent)
	compile()
}
