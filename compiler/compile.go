// Package compiler turns an environment spec into the files it needs: it
// loads the spec with the embedded schema, decodes it into the model, checks
// the platform rules, plans, and runs the emitters. It also writes and diffs
// the result. Everything a Go user of kuberator needs is here.
package compiler

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/emitters/newrelic"
	"github.com/kuberator/kuberator/emitters/terraform"
)

// Result is a compiled environment.
type Result struct {
	Env   *model.Environment
	Plan  *plan.Plan
	Files fileset.FileSet
	// Inputs digests what the files are generated from; "" when the
	// generator cannot vouch for its own version (a modified checkout).
	Inputs string
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
	// VetOnly stops after the checks: no planning output, no emitters.
	VetOnly bool
	// OutputDir is where the result will be written or compared; when set,
	// the compile also checks it against the spec's gitops.root.
	OutputDir string
}

// Compile compiles one environment from its spec files. The diagnostics hold
// every finding about the spec but the warnings a kuberatorc:accept comment
// accepts; the result is nil when any of them is an error. The error is for
// failures of kuberatorc itself, never the spec's.
func Compile(srcs []Source, opts Options) (*Result, Diagnostics, error) {
	res, diags, err := compileUnaccepted(srcs, opts)
	diags = acceptAll([]Diagnostics{diags}, [][]Source{srcs})[0]
	diags.redact()
	return res, diags, err
}

// compileUnaccepted is Compile before acceptances apply, which CompileAll
// applies after its checks across environments.
func compileUnaccepted(srcs []Source, opts Options) (*Result, Diagnostics, error) {
	env, diags, err := decodeWithin(srcs, opts)
	if env == nil || err != nil {
		return nil, diags, err
	}
	return compileDecoded(srcs, env, diags, opts)
}

// decodeWithin is Decode bounded by the evaluation limit: evaluating the
// spec is what a comprehension can make explode; planning and emitting
// grow with the spec and are not bounded.
func decodeWithin(srcs []Source, opts Options) (*model.Environment, Diagnostics, error) {
	limit := opts.EvalLimit
	if limit == 0 {
		limit = DefaultEvalLimit
	}
	type outcome struct {
		env   *model.Environment
		diags Diagnostics
		err   error
	}
	done := make(chan outcome, 1)
	go func() {
		env, diags, err := Decode(srcs)
		done <- outcome{env, diags, err}
	}()
	select {
	case o := <-done:
		return o.env, o.diags, o.err
	case <-time.After(limit):
		pos := model.Pos{}
		if len(srcs) > 0 {
			pos = model.Pos{File: srcs[0].Path, Line: 1, Column: 1}
		}
		return nil, Diagnostics{{Pos: pos, Severity: Error,
			Message: fmt.Sprintf("evaluating the spec took longer than kuberatorc's limit of %s", limit),
			Hint:    "look for a comprehension that multiplies (for loops nested over lists); a spec needs none that large"}}, nil
	}
}

// compileDecoded plans, checks and emits a decoded environment.
func compileDecoded(srcs []Source, env *model.Environment, diags Diagnostics, opts Options) (*Result, Diagnostics, error) {
	var p *plan.Plan
	if !diags.HasErrors(false) {
		var err error
		if p, err = plan.New(env); err != nil {
			diags = append(diags, planDiagnostic(env, err))
		} else {
			diags = append(diags, checkCapacity(env, p)...)
			diags = append(diags, checkNames(env, p)...)
		}
	}
	diags = append(diags, checkGitOpsRoot(env, opts.OutputDir)...)
	diags = append(diags, checkManifests(env, opts.OutputDir)...)
	diags = append(diags, checkDesired(env, p, opts.OutputDir)...)
	diags.Sort()
	if diags.HasErrors(false) {
		return nil, diags, nil
	}
	res := &Result{Env: env, Plan: p, Files: fileset.FileSet{}, Inputs: inputDigest(srcs, Version())}
	if opts.VetOnly {
		return res, diags, nil
	}
	if err := Emit(res); err != nil {
		return nil, diags, err
	}
	return res, diags, nil
}

// Emit runs the emitters over a result compiled with VetOnly, filling its
// files.
func Emit(res *Result) error {
	files, err := terraform.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("terraform emitter: %w", err)
	}
	res.Files.Merge(files)
	files, err = k8s.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("kubernetes emitter: %w", err)
	}
	res.Files.Merge(files)
	files, err = newrelic.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("newrelic emitter: %w", err)
	}
	res.Files.Merge(files)
	return nil
}

// Decode loads and validates a spec into the model and runs the Go-side rules.
// It returns a nil environment when the spec does not decode. Its warnings
// are all there: acceptances in the spec apply in Compile.
func Decode(srcs []Source) (_ *model.Environment, diags Diagnostics, _ error) {
	defer func() { diags.redact() }()
	user := scanBeside(srcs)
	l, diags := load(srcs, user)
	if l == nil {
		diags.Sort()
		return nil, diags, nil
	}
	// Through JSON, as cue export would print it: a third faster than
	// Value.Decode's reflection over the same fields.
	env := &model.Environment{}
	if err := json.Unmarshal(l.data, env); err != nil {
		// The schema guarantees the shape; a decode failure is our bug.
		return nil, nil, fmt.Errorf("decoding the validated spec: %w", err)
	}
	scan := <-user
	env.Positions = scan.positions
	for _, src := range srcs {
		env.SpecFiles = append(env.SpecFiles, src.Path)
	}
	normalize(env)
	diags = append(diags, check(env, catalogOf(l))...)
	diags = append(diags, scan.secrets...)
	resolveInstanceTypes(env, l.lib, &diags)
	return env, diags, nil
}

// normalize fills the defaults that depend on other fields, which the schema
// leaves open to keep its error messages plain.
func normalize(env *model.Environment) {
	if env.Cluster.BootstrapCreatorAdmin == nil {
		// With an admin named in access, the creator (often a CI role) needs none.
		creator := !slices.ContainsFunc(env.Access, func(a model.AccessEntry) bool { return a.Policy == "clusterAdmin" })
		env.Cluster.BootstrapCreatorAdmin = &creator
	}
	for _, name := range model.SortedKeys(env.Addons) {
		if !env.Addons[name].Enabled {
			env.DisabledAddons = append(env.DisabledAddons, name)
			delete(env.Addons, name)
		}
	}
	if a := env.Alerts; a != nil && a.NewRelic != nil && a.NewRelic.LicenseKey == nil {
		a.NewRelic.LicenseKey = &model.SecretRef{SSMParameter: DefaultLicenseKey(env.Name)}
	}
	for _, g := range env.NodeGroups {
		if len(g.Zones) == 0 {
			g.Zones = env.Network.Zones
		}
		if g.PerZone.Desired == nil {
			min := g.PerZone.Min
			g.PerZone.Desired = &min
		}
	}
}

// DefaultLicenseKey is the SSM parameter the cluster reads New Relic's
// license key from when the spec names none.
func DefaultLicenseKey(env string) string { return "/" + env + "/newrelic/license-key" }

func planDiagnostic(env *model.Environment, err error) Diagnostic {
	if pe, ok := err.(*plan.Error); ok {
		return Diagnostic{Pos: env.Positions.Of(pe.Path...), Severity: Error, Message: pe.Error(), Hint: pe.Hint}
	}
	return Diagnostic{Pos: env.Positions.Of(), Severity: Error, Message: err.Error()}
}
