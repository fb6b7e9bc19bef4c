package compiler

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/internal/parallel"
)

// DefaultShared names the files of an environments directory that every
// environment shares, rather than being an environment of their own.
var DefaultShared = []string{"common.cue"}

// Resolve turns the command line's spec arguments into environments:
//   - a directory alone is a repository: see Discover;
//   - files that include a shared one (common.cue) are one environment;
//   - files beside a shared file they do not name are each an environment of
//     that directory, compiled with its shared files (envs/qa.cue is qa);
//   - any other files are one environment (env.cue extra.cue).
func Resolve(args, shared []string) ([]EnvSpec, error) {
	if len(args) == 1 {
		if info, err := os.Stat(args[0]); err == nil && info.IsDir() {
			return Discover(args[0], shared)
		}
	}
	for _, a := range args {
		if info, err := os.Stat(a); err == nil && info.IsDir() {
			return nil, fmt.Errorf("%s is a directory: name an environments directory alone, or spec files", a)
		}
	}
	if slices.ContainsFunc(args, func(a string) bool { return slices.Contains(shared, filepath.Base(a)) }) {
		return []EnvSpec{{Label: label(args, shared), Paths: args}}, nil
	}
	common := sharedBeside(args, shared)
	if common == nil {
		return []EnvSpec{{Label: label(args, shared), Paths: args}}, nil
	}
	specs := make([]EnvSpec, 0, len(args))
	for _, a := range args {
		specs = append(specs, EnvSpec{Label: label([]string{a}, shared), Paths: append(slices.Clone(common), a)})
	}
	return specs, nil
}

// sharedBeside returns the shared files of the one directory all the files
// sit in, or nil when they are in several or it has none.
func sharedBeside(files, shared []string) []string {
	dir := filepath.Dir(files[0])
	for _, f := range files {
		if filepath.Dir(f) != dir {
			return nil
		}
	}
	var out []string
	for _, name := range shared {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// label names an environment by its last own file.
func label(paths, shared []string) string {
	for _, p := range slices.Backward(paths) {
		if !slices.Contains(shared, filepath.Base(p)) {
			return strings.TrimSuffix(filepath.Base(p), ".cue")
		}
	}
	return strings.TrimSuffix(filepath.Base(paths[len(paths)-1]), ".cue")
}

// EnvSpec is one environment's spec files: the shared ones first, then its own.
type EnvSpec struct {
	// Label names the environment in diagnostics: its own file's name
	// without .cue.
	Label string
	Paths []string
}

// Discover lists the environments of a directory: each .cue file in it,
// other than the shared ones, is one environment, compiled with the shared
// files. It does not descend into subdirectories.
func Discover(dir string, shared []string) ([]EnvSpec, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var common, own []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if slices.Contains(shared, e.Name()) {
			common = append(common, p)
		} else {
			own = append(own, p)
		}
	}
	for _, name := range shared {
		if !slices.ContainsFunc(common, func(p string) bool { return filepath.Base(p) == name }) && !slices.Equal(shared, DefaultShared) {
			return nil, fmt.Errorf("%s has no shared file %s", dir, name)
		}
	}
	if len(own) == 0 {
		return nil, fmt.Errorf("%s holds no environment: every environment is a .cue file beside the shared ones (%s)", dir, strings.Join(shared, ", "))
	}
	specs := make([]EnvSpec, 0, len(own))
	for _, p := range own {
		specs = append(specs, EnvSpec{Label: strings.TrimSuffix(filepath.Base(p), ".cue"), Paths: append(slices.Clone(common), p)})
	}
	return specs, nil
}

// EnvResult is one environment's compile.
type EnvResult struct {
	Spec   EnvSpec
	Result *Result // nil when the environment has errors
	Diags  Diagnostics
}

// CompileAll compiles several environments in parallel, then checks them
// against each other. The diagnostics come back merged: each names the
// environments it is about, and a finding in a shared file is reported once.
// The error is for failures of kuberatorc itself, or an unreadable file.
func CompileAll(specs []EnvSpec, opts Options) ([]EnvResult, Diagnostics, error) {
	results := make([]EnvResult, len(specs))
	sources := make([][]Source, len(specs))
	errs := make([]error, len(specs))
	parallel.Each(len(specs), func(i int) {
		results[i].Spec = specs[i]
		sources[i], errs[i] = ReadSources(specs[i].Paths)
		if errs[i] == nil {
			results[i].Result, results[i].Diags, errs[i] = compileUnaccepted(sources[i], opts)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	for _, d := range checkAcross(results) {
		i := slices.IndexFunc(results, func(r EnvResult) bool { return r.Spec.Label == d.Envs[0] })
		results[i].Diags = append(results[i].Diags, d)
		if d.Severity == Error {
			results[i].Result = nil
		}
	}
	diags := make([]Diagnostics, len(results))
	for i := range results {
		diags[i] = results[i].Diags
	}
	for i, ds := range acceptAll(diags, sources) {
		results[i].Diags = ds
		results[i].Diags.redact()
		for j := range results[i].Diags {
			results[i].Diags[j].Envs = nil
			if len(results) > 1 {
				results[i].Diags[j].Envs = []string{results[i].Spec.Label}
			}
		}
	}
	return results, mergeDiagnostics(results), nil
}

// mergeDiagnostics reports a finding that several environments share (one
// in a shared file) once, naming all of them.
func mergeDiagnostics(results []EnvResult) Diagnostics {
	var out Diagnostics
	index := map[string]int{}
	for _, r := range results {
		for _, d := range r.Diags {
			key := d.Pos.String() + "\x00" + string(d.Severity) + "\x00" + d.Message + "\x00" + d.Hint
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

// checkAcross finds what two environments of one repository cannot share,
// reported at the later environment's field.
func checkAcross(results []EnvResult) Diagnostics {
	var ds Diagnostics
	var seen []*EnvResult
	for i := range results {
		r := &results[i]
		if r.Result == nil {
			continue
		}
		for _, prev := range seen {
			ds = append(ds, clash(prev, r)...)
		}
		seen = append(seen, r)
	}
	return ds
}

// clash compares one environment with an earlier one.
func clash(prev, r *EnvResult) Diagnostics {
	a, b := prev.Result.Env, r.Result.Env
	var ds Diagnostics
	add := func(sev Severity, id string, path []string, hint, format string, args ...any) {
		ds = append(ds, Diagnostic{Pos: b.Positions.Of(path...), Severity: sev, ID: id, Message: fmt.Sprintf(format, args...), Hint: hint, Envs: []string{r.Spec.Label}})
	}
	// The Flux path (gitops.root/kubernetes/clusters/<name>) and every
	// output directory follow from the name, so one check covers them.
	if a.Name == b.Name {
		add(Error, "", []string{"name"}, "give every environment its own name",
			"environment %s has the name %q too: their clusters, AWS resources, Flux path %s and output directories would be the same",
			prev.Spec.Label, b.Name, k8s.ClusterDir(b.Name))
	}
	if a.Domain == b.Domain {
		add(Error, "", []string{"domain"}, "give each environment its own domain, such as qa.example.com and staging.example.com",
			"environment %s has the domain %s too: both external-dns would write the same records", prev.Spec.Label, b.Domain)
	}
	if a.AWS == b.AWS {
		va, vb := netip.MustParsePrefix(a.Network.VPCCIDR), netip.MustParsePrefix(b.Network.VPCCIDR)
		if va.Overlaps(vb) {
			add(Warning, WarnVPCOverlap, []string{"network", "vpcCIDR"}, "give each environment's VPC its own range, so that they can be peered or joined by a transit gateway",
				"the VPC %s overlaps environment %s's VPC %s in the same account and region (%s, %s)", vb, prev.Spec.Label, va, b.AWS.AccountID, b.AWS.Region)
		}
	}
	return ds
}
