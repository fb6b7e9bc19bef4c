package compiler

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/compiler/describe"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/outtree"
	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/emitters/terraform"
)

// ManifestName is the file in the output root that records what kuberatorc
// generated there.
const ManifestName = outtree.ManifestName

// Summary says what a write did, path by path.
type Summary = outtree.Summary

// ConflictError is a generated path that exists on disk but was not written
// by kuberatorc.
type ConflictError = outtree.ConflictError

// WriteOptions tune a write or a diff of several environments.
type WriteOptions struct {
	// Prune removes the environments the output directory holds and the
	// results lack; without it, a build or diff leaves them alone.
	Prune bool
}

// Write puts the environments' files under root, confined, crash-safe and
// serialised with any other build of the same directory (see package
// outtree). Each environment owns its own files; the shared bases belong to
// every environment that generates them.
func Write(results []*Result, root string, opts WriteOptions) (Summary, error) {
	t, err := outtree.Open(root)
	if err != nil {
		return Summary{}, err
	}
	defer t.Close()
	return t.Write(buildOf(results, root, opts))
}

// Diff compares the environments' files with what is under root and returns
// a unified diff that turns the committed files into the generated ones,
// plus the files in generated directories that kuberatorc did not write; it
// is empty when they agree. Paths are relative to the git repository that
// holds root, when there is one.
func Diff(results []*Result, root string, opts WriteOptions) (string, error) {
	out := ReadOutput(root, nil)
	defer out.Close()
	c, err := Changes(results, out, opts)
	if err != nil {
		return "", err
	}
	return c.Unified(), nil
}

// Changes is what writing the results under the output directory would
// change: the files, the strays beside them and the environments pruned.
func Changes(results []*Result, out *Output, opts WriteOptions) (outtree.Changes, error) {
	t, err := out.tree()
	if err != nil {
		return outtree.Changes{}, err
	}
	return t.Changes(buildOf(results, out.root, opts))
}

// Output is an output directory opened to compare builds with, read ahead
// while the specs compile.
type Output struct {
	root        string
	ready, stop chan struct{}
	stopping    sync.Once
	t           *outtree.Tree
	err         error
}

// ReadOutput opens the output directory root and, on another goroutine,
// reads what Fresh and Changes will of the environments built from the
// spec files named (by base name): at thousands of workloads, reading and
// hashing the tree costs a third of compiling, and the compile leaves a
// core mostly idle. Close it before writing to root.
func ReadOutput(root string, specFiles []string) *Output {
	names := make([]string, len(specFiles))
	for i, f := range specFiles {
		names[i] = filepath.Base(f)
	}
	o := &Output{root: root, ready: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(o.ready)
		if o.t, o.err = outtree.OpenReadOnly(root); o.err == nil {
			o.t.ReadAhead(names, o.stop)
		}
	}()
	return o
}

// tree waits for the read ahead and returns the opened directory.
func (o *Output) tree() (*outtree.Tree, error) {
	<-o.ready
	return o.t, o.err
}

// Close stops the read ahead, if it is still reading, and releases the
// directory's lock: a build whose spec fails need not wait for it.
func (o *Output) Close() error {
	o.stopping.Do(func() { close(o.stop) })
	if t, err := o.tree(); err == nil {
		return t.Close()
	}
	return nil
}

// CommittedFile returns one generated file as it is under root, nil when
// it is not there; it never follows a link.
func CommittedFile(root, p string) ([]byte, error) {
	t, err := outtree.OpenReadOnly(root)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return t.Read(p)
}

// Committed returns what the last build under root generated for the named
// environments, as it is on disk.
func Committed(root string, envs ...string) (fileset.FileSet, error) {
	t, err := outtree.OpenReadOnly(root)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return t.Committed(envs...)
}

func buildOf(results []*Result, root string, opts WriteOptions) outtree.Build {
	b := outtree.Build{Envs: map[string]fileset.FileSet{}, Prune: opts.Prune, Version: Version(), Prefix: displayPrefix(root),
		Inputs: map[string]string{}, Specs: map[string]outtree.Spec{}, SpecRoot: specRoot(root)}
	for _, r := range results {
		b.Envs[r.Env.Name] = r.Files
		b.Inputs[r.Env.Name] = r.Inputs
		b.Specs[r.Env.Name] = specOf(r.SpecFiles, b.SpecRoot)
		if r.Held {
			if b.Held == nil {
				b.Held = map[string]bool{}
			}
			b.Held[r.Env.Name] = true
		}
	}
	return b
}

// speclessWarnings warns of each environment the output directory holds
// whose spec is gone: Flux keeps running it until its files are removed.
// What cannot be read is left to the write or diff to report.
func speclessWarnings(envs []EnvResult, opts Options) diag.Diagnostics {
	var results []*Result
	for _, e := range envs {
		if e.Result != nil {
			results = append(results, e.Result)
		}
	}
	t, err := outtree.OpenReadOnly(opts.OutputDir)
	if err != nil {
		return nil
	}
	defer t.Close()
	stale, err := t.Specless(buildOf(results, opts.OutputDir, WriteOptions{}), opts.Directory != "")
	if err != nil {
		return nil
	}
	var ds diag.Diagnostics
	pos := model.Pos{File: filepath.Join(opts.OutputDir, outtree.ManifestName), Column: 5}
	for _, s := range stale {
		pos.Line = s.Line
		dir := opts.Directory
		if dir == "" {
			dir = filepath.Dir(s.Spec) + string(filepath.Separator)
		}
		prune := "kuberatorc build " + dir + " --prune"
		why := "no spec in " + opts.Directory + " names it"
		if s.Spec != "" {
			why = "its spec " + s.Spec + " is gone"
		}
		ds.Warnf(diag.EnvironmentWithoutSpec, pos,
			fmt.Sprintf("remove its files with %s (diff --prune shows them), or restore the spec", prune),
			"%s holds environment %s (%d files), but %s: Flux keeps running it", opts.OutputDir, s.Env, s.Files, why)
	}
	return ds
}

// Fresh says whether the output directory holds every environment of
// results exactly as a build from the same inputs wrote it. Such a build
// has nothing to emit or write: when it does, Fresh sets each result's
// Files to the files as the directory holds them, byte for byte what Emit
// would make, so that a diff compares them without encoding anything.
func Fresh(results []*Result, out *Output) (bool, error) {
	t, err := out.tree()
	if err != nil {
		return false, err
	}
	held := make([]fileset.FileSet, len(results))
	for i, r := range results {
		files, err := t.Fresh(r.Env.Name, r.Inputs)
		if err != nil || files == nil {
			return false, err
		}
		held[i] = files
	}
	for i, r := range results {
		r.Files, r.Held = held[i], true
	}
	return true, nil
}

// outputFacts reads what the rules that compare a spec with its output
// directory need: where the directory sits in its repository, whether the
// team's manifests are there, and (once the plan is derived) the sizes of
// the ASGs the committed Terraform holds. What cannot be read is left out:
// a write or a diff reports what is wrong with the directory.
func outputFacts(env *model.Environment, outDir string, derived bool) *check.Output {
	out := &check.Output{Dir: outDir}
	if abs, err := filepath.Abs(outDir); err == nil {
		if top := repositoryRoot(abs); top != "" {
			if rel, err := filepath.Rel(top, abs); err == nil {
				out.InRepository, out.RepositoryPath = true, filepath.ToSlash(rel)
			}
		}
	}
	if env.Manifests != "" {
		_, err := os.Stat(filepath.Join(outDir, filepath.FromSlash(env.Manifests), "kustomization.yaml"))
		out.ManifestsPresent = err == nil
		out.Custom = customObjects(outDir, env.Manifests)
	}
	if derived {
		if data, err := CommittedFile(outDir, path.Join(layout.Terraform(env.Name), terraform.NodesFile)); err == nil && data != nil {
			out.Desired, _ = terraform.DesiredCapacities(data)
		}
	}
	if data, err := CommittedFile(outDir, path.Join(layout.Terraform(env.Name), terraform.EKSFile)); err == nil && data != nil {
		out.Kubernetes, _ = terraform.ClusterVersion(data)
		out.ClusterInPrivateSubnets, _ = terraform.ClusterInPrivateSubnets(data)
	}
	return out
}

// absolute lists an environment's spec files as absolute paths, its own
// file last.
func absolute(s load.EnvSpec) []string {
	var out []string
	for _, f := range append(slices.DeleteFunc(slices.Clone(s.Paths), func(p string) bool { return p == s.Own }), s.Own) {
		abs, err := filepath.Abs(f)
		if err != nil {
			abs = f
		}
		out = append(out, abs)
	}
	return out
}

// specRoot is what the manifest names spec files from: the root of the
// git repository that holds the output directory, or the directory itself
// outside one; the same however kuberatorc was called.
func specRoot(outDir string) string {
	base, err := filepath.Abs(outDir)
	if err != nil {
		return ""
	}
	if top := repositoryRoot(base); top != "" {
		return top
	}
	return base
}

// specOf names an environment's spec files from base (see specRoot).
func specOf(files []string, base string) outtree.Spec {
	if len(files) == 0 || base == "" {
		return outtree.Spec{}
	}
	out := outtree.Spec{Root: base}
	for _, f := range files {
		rel, err := filepath.Rel(base, f)
		if err != nil {
			return outtree.Spec{}
		}
		out.Files = append(out.Files, filepath.ToSlash(rel))
	}
	out.Own = out.Files[len(out.Files)-1]
	return out
}

// repositoryRoot is the nearest directory at or above dir that holds .git
// (a directory, or a file in a worktree), or "".
func repositoryRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// displayPrefix is root relative to its git repository, or root as given
// outside one: where a reviewer finds the files a diff names.
func displayPrefix(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return filepath.ToSlash(root)
	}
	if top := repositoryRoot(abs); top != "" {
		if rel, err := filepath.Rel(top, abs); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(root))
}

// Before reads what the output directory holds of an environment, as the
// last build wrote it: nil when it holds none, or cannot be read.
func Before(env *model.Environment, outDir string) *describe.Before {
	files, err := Committed(outDir, env.Name)
	if err != nil {
		return nil
	}
	eks := files[path.Join(layout.Terraform(env.Name), terraform.EKSFile)]
	if eks == nil {
		return nil
	}
	version, err := terraform.ClusterVersion(eks)
	if err != nil {
		return nil
	}
	private, _ := terraform.ClusterInPrivateSubnets(eks)
	return &describe.Before{Kubernetes: version, Charts: k8s.ChartVersions(files), ClusterInPrivateSubnets: private}
}

// customObjects reads the apiVersion and kind of every object in the
// team's manifests under the output directory (never leaving it), with
// the position of its apiVersion. A file that does not parse is left to
// kustomize and render to report.
func customObjects(outDir, dir string) []check.CustomObject {
	root, err := os.OpenRoot(outDir)
	if err != nil {
		return nil
	}
	defer root.Close()
	var out []check.CustomObject
	_ = fs.WalkDir(root.FS(), dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
			return nil
		}
		data, err := root.ReadFile(p)
		if err != nil {
			return nil
		}
		out = append(out, objectsOf(data, filepath.Join(outDir, filepath.FromSlash(p)))...)
		return nil
	})
	return out
}

// objectsOf lists the objects of a YAML stream that name an apiVersion
// and a kind.
func objectsOf(data []byte, file string) []check.CustomObject {
	var out []check.CustomObject
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return out // io.EOF, or a document kustomize will report
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		var o check.CustomObject
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch k, v := m.Content[i], m.Content[i+1]; k.Value {
			case "apiVersion":
				o.APIVersion, o.Pos = v.Value, model.Pos{File: file, Line: v.Line, Column: v.Column}
			case "kind":
				o.Kind = v.Value
			}
		}
		if o.APIVersion != "" && o.Kind != "" {
			out = append(out, o)
		}
	}
}
