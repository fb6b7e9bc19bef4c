package compiler

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/parallel"
)

// Result is a compiled environment.
type Result struct {
	Env   *model.Environment
	Plan  *plan.Plan
	Files fileset.FileSet
	// Inputs digests what the files are generated from; "" when the
	// generator cannot vouch for its own version.
	Inputs string
	// Held says Files were read from the output tree by Fresh, not
	// emitted: they are what the tree holds, byte for byte.
	Held bool
	// SpecFiles are the absolute paths of the files the environment was
	// read from, its own file last; nil when it was not read from files.
	SpecFiles []string
}

// DefaultEvalLimit bounds how long evaluating a spec may take: a spec is a
// few hundred lines, and a pre-commit hook must not stall on a
// comprehension that multiplies.
const DefaultEvalLimit = 10 * time.Second

// Options tune a compile.
type Options struct {
	// EvalLimit bounds evaluating and decoding the spec; zero means DefaultEvalLimit. CUE
	// evaluation cannot be interrupted, so a compile over the limit returns
	// at once and its evaluation runs on in the background: a process that
	// compiles many specs should exit after such an error.
	EvalLimit time.Duration
	// VetOnly stops after the checks: no emitters (Emit fills the files later).
	VetOnly bool
	// OutputDir is where the result will be written or compared; when set,
	// the compile also checks the spec against what it holds.
	OutputDir string
	// Specless warns of the environments OutputDir holds whose spec is
	// gone (a build or a diff, which would leave them running).
	Specless bool
	// Directory is the directory of environments compiled, when the
	// command named one rather than spec files.
	Directory string
}

// Input is one environment's spec files.
type Input struct {
	// Label names the environment in diagnostics when several are
	// compiled together: its own file's name without .cue.
	Label   string
	Sources []load.Source
}

// EnvResult is one environment's compile.
type EnvResult struct {
	Label  string
	Result *Result // nil when the environment has errors
	Diags  diag.Diagnostics
}

// Compile compiles one environment from its spec files, as CompileInputs
// does. The diagnostics hold every finding about the spec but the warnings
// a kuberatorc:accept comment accepts; the result is nil when any of them
// is an error. The error is for failures of kuberatorc itself, never the
// spec's.
func Compile(srcs []load.Source, opts Options) (*Result, diag.Diagnostics, error) {
	results, _, err := CompileInputs([]Input{{Sources: srcs}}, opts)
	if err != nil {
		return nil, nil, err
	}
	return results[0].Result, results[0].Diags, nil
}

// CompileAll reads and compiles the environments a command line names (see
// load.Resolve). The error is also for a file that cannot be read.
func CompileAll(specs []load.EnvSpec, opts Options) ([]EnvResult, diag.Diagnostics, error) {
	inputs := make([]Input, len(specs))
	errs := make([]error, len(specs))
	parallel.Each(len(specs), func(i int) {
		inputs[i].Label = specs[i].Label
		inputs[i].Sources, errs[i] = load.ReadSources(specs[i].Paths)
	})
	if err := cmp.Or(errs...); err != nil {
		return nil, nil, err
	}
	results, diags, err := CompileInputs(inputs, opts)
	if err != nil {
		return nil, nil, err
	}
	for i := range results {
		if r := results[i].Result; r != nil {
			r.SpecFiles = absolute(specs[i])
		}
	}
	if opts.Specless && opts.OutputDir != "" && !diags.HasErrors(false) {
		diags = append(diags, speclessWarnings(results, opts)...)
		diags.Sort()
	}
	return results, diags, nil
}

// CompileInputs compiles several environments in parallel, checks them
// against each other, then applies the acceptances their files make. The
// diagnostics come back per environment and merged: each merged one names
// the environments it is about, and a finding in a shared file is
// reported once.
func CompileInputs(inputs []Input, opts Options) ([]EnvResult, diag.Diagnostics, error) {
	results := make([]EnvResult, len(inputs))
	errs := make([]error, len(inputs))
	parallel.Each(len(inputs), func(i int) {
		results[i].Label = inputs[i].Label
		results[i].Result, results[i].Diags, errs[i] = compileOne(inputs[i].Sources, opts)
	})
	if err := cmp.Or(errs...); err != nil {
		return nil, nil, err
	}
	var compiled []check.Labeled
	for _, r := range results {
		if r.Result != nil {
			compiled = append(compiled, check.Labeled{Label: r.Label, Env: r.Result.Env})
		}
	}
	for _, d := range check.Across(compiled) {
		i := slices.IndexFunc(results, func(r EnvResult) bool { return r.Label == d.Envs[0] })
		results[i].Diags = append(results[i].Diags, d)
		if d.Severity == diag.Error {
			results[i].Result = nil
		}
	}
	diags := make([]diag.Diagnostics, len(results))
	sources := make([][]load.Source, len(results))
	for i := range results {
		diags[i], sources[i] = results[i].Diags, inputs[i].Sources
	}
	for i, ds := range load.Accept(diags, sources) {
		ds.Redact()
		for j := range ds {
			ds[j].Envs = nil
			if len(results) > 1 {
				ds[j].Envs = []string{results[i].Label}
			}
		}
		results[i].Diags = ds
	}
	return results, merge(results), nil
}

// compileOne loads, plans, checks and emits one environment, before the
// acceptances apply.
func compileOne(srcs []load.Source, opts Options) (*Result, diag.Diagnostics, error) {
	spec, ds, err := loadWithin(srcs, opts)
	if spec == nil || err != nil {
		return nil, ds, err
	}
	env := spec.Env
	p := plan.Resolve(env, spec.Catalog)
	ds = append(ds, check.Spec(env, spec.Catalog, p)...)
	derived := false
	if !ds.HasErrors(false) {
		if err := p.Derive(env); err != nil {
			ds = append(ds, planDiagnostic(env, err))
		} else {
			derived = true
			ds = append(ds, check.Plan(env, p)...)
		}
	}
	if opts.OutputDir != "" {
		prior := outputFacts(env, opts.OutputDir, derived)
		if !derived {
			p = nil
		}
		ds = append(ds, check.Against(env, p, prior)...)
	}
	ds.Sort()
	if ds.HasErrors(false) {
		return nil, ds, nil
	}
	res := &Result{Env: env, Plan: p, Files: fileset.FileSet{}, Inputs: inputDigest(srcs, DigestVersion())}
	if opts.VetOnly {
		return res, ds, nil
	}
	if err := Emit(res); err != nil {
		return nil, ds, err
	}
	return res, ds, nil
}

// loadWithin is load.Load bounded by the evaluation limit: evaluating the
// spec is what a comprehension can make explode; planning and emitting
// grow with the spec and are not bounded.
func loadWithin(srcs []load.Source, opts Options) (*load.Spec, diag.Diagnostics, error) {
	limit := opts.EvalLimit
	if limit == 0 {
		limit = DefaultEvalLimit
	}
	type outcome struct {
		spec  *load.Spec
		diags diag.Diagnostics
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		spec, diags, err := load.Load(srcs)
		done <- outcome{spec, diags, err}
	}()
	select {
	case o := <-done:
		return o.spec, o.diags, o.err
	case <-time.After(limit):
		pos := model.Pos{}
		if len(srcs) > 0 {
			pos = model.Pos{File: srcs[0].Path, Line: 1, Column: 1}
		}
		return nil, diag.Diagnostics{{Pos: pos, Severity: diag.Error,
			Message: fmt.Sprintf("evaluating the spec took longer than kuberatorc's limit of %s", limit),
			Hint:    "look for a comprehension that multiplies (for loops nested over lists); a spec needs none that large"}}, nil
	}
}

func planDiagnostic(env *model.Environment, err error) diag.Diagnostic {
	if pe, ok := errors.AsType[*plan.Error](err); ok {
		return diag.Diagnostic{Pos: env.Positions.Of(pe.Path...), Severity: diag.Error, Message: pe.Error(), Hint: pe.Hint}
	}
	return diag.Diagnostic{Pos: env.Positions.Of(), Severity: diag.Error, Message: err.Error()}
}

// merge reports a finding that several environments share (one in a
// shared file) once, naming all of them.
func merge(results []EnvResult) diag.Diagnostics {
	var out diag.Diagnostics
	index := map[string]int{}
	for _, r := range results {
		for _, d := range r.Diags {
			key := d.Pos.String() + "\x00" + string(d.Severity) + "\x00" + d.Message + "\x00" + d.Hint
			if d.Severity == diag.Note {
				// A note says what kuberatorc chose; the same choice in
				// every environment of a repository is said once, at the
				// first environment's line.
				key = string(d.Severity) + "\x00" + d.Message + "\x00" + d.Hint
			}
			if i, ok := index[key]; ok {
				out[i].Envs = append(out[i].Envs, d.Envs...)
				continue
			}
			index[key] = len(out)
			out = append(out, d)
		}
	}
	out.Sort()
	return out
}
