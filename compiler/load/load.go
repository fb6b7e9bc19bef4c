// Package load turns spec files into the validated model: it parses them
// with the embedded schema and stdlib, unifies them with #Environment,
// rewrites CUE's errors into positioned diagnostics, records where each
// field is written, finds literal credentials, and reads the acceptance
// comments of warnings. Nothing after it sees CUE.
package load

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/schema"
	"github.com/kuberator/kuberator/stdlib"
)

// Source is one spec file: its path as the user named it, and its bytes.
type Source struct {
	Path string
	Data []byte
}

// ReadSources reads spec files from disk.
func ReadSources(paths []string) ([]Source, error) {
	srcs := make([]Source, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, Source{Path: p, Data: data})
	}
	return srcs, nil
}

// Spec is a loaded environment: the validated model, defaults applied, and
// the catalogs it refers to.
type Spec struct {
	Env     *model.Environment
	Catalog *model.Catalog
}

// Load parses, unifies and decodes a spec. It returns a nil Spec when the
// spec does not decode; the diagnostics are CUE's errors, positioned in the
// user's files, and the literal credentials found in them. The error is
// for failures of kuberatorc itself.
func Load(srcs []Source) (_ *Spec, diags diag.Diagnostics, _ error) {
	defer func() { diags.Redact() }()
	user := scanBeside(srcs)
	l, diags := load(srcs, user)
	if l == nil {
		diags.Sort()
		return nil, diags, nil
	}
	// Through JSON, as cue export would print it: a third faster than
	// Value.Decode's reflection over the same fields.
	env, err := l.exported.decode()
	if err != nil {
		// The schema guarantees the shape; a decode failure is our bug.
		return nil, nil, fmt.Errorf("decoding the validated spec: %w", err)
	}
	scan := <-user
	if scan.errors != nil {
		// Built alone, the spec does not evaluate (a reference between two
		// files without a package clause): it never did.
		scan.errors.Sort()
		return nil, scan.errors, nil
	}
	env.Positions = scan.positions
	normalize(env)
	return &Spec{Env: env, Catalog: catalogOf(l.lib, env)}, scan.secrets, nil
}

// loaded is a spec unified with the schema, still in CUE form.
type loaded struct {
	env      cue.Value // #Environment & spec
	lib      cue.Value // schema + stdlib: catalogs for the Go-side rules
	exported exported  // env as cue export prints it
}

// load parses and unifies the spec with #Environment. CUE errors come back as
// diagnostics positioned in the user's files, from the scan beside it.
func load(srcs []Source, user <-chan scanned) (*loaded, diag.Diagnostics) {
	files, diags := parseSpec(srcs)
	if diags != nil {
		return nil, diags
	}
	inst, merged := mergeWithLibrary(files)
	if part, parts := splitWorkloads(merged, inst.Files); part != nil {
		results := evaluateParts(srcs, inst, merged, part, parts)
		if l := joinParts(results); l != nil {
			return l, nil
		}
		if failures, ok := partFailures(results, part); ok {
			scan := <-user // its errors come first, as below
			if scan.errors != nil {
				return nil, scan.errors
			}
			return nil, diagnostics(failures, scan.positions, srcs)
		}
		// Building the first part resolved the names of files afresh and
		// added it to inst: the whole starts from the sources again.
		files, _ = parseSpec(srcs)
		inst, merged = mergeWithLibrary(files)
	}
	lib, env, err := unify(newContext(), inst, merged, files)
	if err == nil {
		// The export (what Decode reads, as cue export would print it)
		// fails wherever Validate(Concrete) would, but stops at the first
		// error: Validate, which reports every one, runs only to explain a
		// failure.
		var x exported
		if x, err = export(env); err == nil {
			return &loaded{env: env, lib: lib, exported: x}, nil
		}
	}
	// The spec's errors on its own (a conflict between two of its files)
	// say more than the same errors met in the schema's types: the scan,
	// which builds it alone, has them.
	scan := <-user
	if scan.errors != nil {
		return nil, scan.errors
	}
	if !env.Exists() {
		return nil, cueDiagnosticsNamed(err, writtenIn(files), nil, &explainer{srcs: srcs})
	}
	if verr := env.Validate(cue.Concrete(true)); verr != nil {
		err = verr
	}
	return nil, cueDiagnosticsNamed(err, scan.positions, patternNames(lib), &explainer{srcs: srcs, env: env})
}

// specField is the field of the package root that holds the spec when it
// is built as one package with the schema. No spec path starts with it:
// the spec's own fields are all inside it.
const specField = "kuberator:spec"

// newContext is the context a spec is evaluated in. Its structs' fields
// come in name order, not CUE's topological order: the spec is decoded
// into Go, where order means nothing, and without the dependency edges the
// export that decoding reads costs less. (Candidates a did-you-mean picks
// among come in name order too.)
func newContext() *cue.Context {
	return cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
}

// mergeWithLibrary parses the library and merges the spec's files into
// one file of its package (nil when they cannot be merged; see mergeSpec).
func mergeWithLibrary(files []specFile) (*build.Instance, *ast.File) {
	inst, err := libraryInstance()
	if err != nil {
		// The embedded schema is ours: failing to parse it is a bug, not a user error.
		panic(fmt.Sprintf("kuberatorc: embedded schema does not parse: %v", err))
	}
	return inst, mergeSpec(files, namesOf(inst.Files))
}

// unify evaluates #Environment & spec. The spec's files join the schema
// and stdlib (inst) as one package, merged into one file inside
// `"kuberator:spec": #Environment & {...}`, so that CUE evaluates the spec
// once, with the schema, as cue vet of such a package would (the anchor
// make bench-scale measures against). Unifying #Environment with the spec
// built on its own, which a spec that cannot be merged gets, evaluates the
// spec twice. lib is the value the schema's definitions and the stdlib are
// looked up in.
func unify(ctx *cue.Context, inst *build.Instance, merged *ast.File, files []specFile) (lib, env cue.Value, _ error) {
	if merged != nil {
		return buildMerged(ctx, inst, merged)
	}
	lib = ctx.BuildInstance(inst)
	if err := lib.Err(); err != nil {
		panic(fmt.Sprintf("kuberatorc: embedded schema does not build: %v", err))
	}
	spec := ctx.BuildInstance(specInstance(files))
	if err := spec.Err(); err != nil {
		return cue.Value{}, cue.Value{}, err
	}
	return lib, lib.LookupPath(cue.MakePath(cue.Def("Environment"))).Unify(spec), nil
}

// buildMerged builds the library with a file mergeSpec made.
func buildMerged(ctx *cue.Context, inst *build.Instance, merged *ast.File) (lib, env cue.Value, _ error) {
	// Package kuberator, as the library's: AddSyntax does not fail.
	_ = inst.AddSyntax(merged)
	root := ctx.BuildInstance(inst)
	env = root.LookupPath(cue.MakePath(cue.Str(specField)))
	if !env.Exists() {
		return cue.Value{}, cue.Value{}, root.Err() // the spec does not compile
	}
	return root, env, nil
}

// Library is the CUE a spec is unified with: the schema and the stdlib's
// catalogs, embedded in the binary. A kuberatorc release is its Library;
// tests stand in a later release by replacing it.
var Library = []fs.FS{schema.FS, stdlib.FS}

func buildEmbedded(ctx *cue.Context) (cue.Value, error) {
	inst, err := libraryInstance()
	if err != nil {
		return cue.Value{}, err
	}
	v := ctx.BuildInstance(inst)
	return v, v.Err()
}

// libraryInstance is the schema and stdlib, parsed, as one package.
func libraryInstance() (*build.Instance, error) {
	inst := build.NewContext().NewInstance("", nil)
	for _, fsys := range Library {
		names, err := fs.Glob(fsys, "*.cue")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			f, err := parser.ParseFile(name, data)
			if err != nil {
				return nil, err
			}
			if err := inst.AddSyntax(f); err != nil {
				return nil, err
			}
		}
	}
	return inst, nil
}

// buildSpec builds the user's parsed files on their own, as one instance.
func buildSpec(ctx *cue.Context, srcs []Source, files []specFile) (cue.Value, diag.Diagnostics) {
	v := ctx.BuildInstance(specInstance(files))
	if err := v.Err(); err != nil {
		return cue.Value{}, cueDiagnosticsNamed(err, writtenIn(files), nil, &explainer{srcs: srcs})
	}
	return v, nil
}

// parseSpec parses the user's files, which are to unify like one package
// (a shared common.cue and an environment file). The files come back in
// an order of their own (by content), not as named: CUE iterates a struct
// that several files fill in the order the files came, so a comprehension
// over it would otherwise make different output of the same files named in
// another order, which the input digest (by content too) could not tell
// apart.
func parseSpec(srcs []Source, mode ...parser.Option) ([]specFile, diag.Diagnostics) {
	var diags diag.Diagnostics
	pkg := ""
	var files []specFile
	for i, src := range srcs {
		f, err := parser.ParseFile(src.Path, src.Data, mode...)
		if err != nil {
			diags = append(diags, cueDiagnostics(err, nil)...)
			continue
		}
		if name := f.PackageName(); name != "" {
			if pkg != "" && name != pkg {
				diags.Errorf(posOf(f.Pos()), "give all spec files of one environment the same package clause, or none",
					"package %s differs from package %s of the other spec files", name, pkg)
				continue
			}
			pkg = name
		}
		files = append(files, specFile{f, sha256.Sum256(src.Data), i})
	}
	if pkg != "" && diags == nil {
		diags = missingPackage(files, pkg)
	}
	if diags != nil {
		return nil, diags
	}
	slices.SortStableFunc(files, func(a, b specFile) int { return bytes.Compare(a.sum[:], b.sum[:]) })
	return files, nil
}

// writtenIn records where each field of the files is written, from the
// syntax alone, the first file named first: for errors of a spec that
// does not evaluate, which the scan cannot place.
func writtenIn(files []specFile) model.Positions {
	written := model.Positions{}
	for _, f := range slices.SortedFunc(slices.Values(files), func(a, b specFile) int { return a.named - b.named }) {
		syntaxPositions(f.file.Decls, "", written)
		if _, ok := written[""]; !ok {
			written[""] = posOf(f.file.Pos())
		}
	}
	return written
}

// specInstance is the user's files as one instance.
func specInstance(files []specFile) *build.Instance {
	inst := build.NewContext().NewInstance("", nil)
	for _, f := range files {
		// Parsed files of one package clause: AddSyntax does not fail.
		_ = inst.AddSyntax(f.file)
	}
	return inst
}

// specFile is a parsed spec file, the hash of its bytes, and where it
// came among the files named.
type specFile struct {
	file  *ast.File
	sum   [sha256.Size]byte
	named int
}

// missingPackage finds a spec file without the package clause the others
// have: cue treats it as another package, so its fields and theirs would not
// see each other.
func missingPackage(files []specFile, pkg string) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, f := range files {
		if f.file.PackageName() == "" {
			diags.Errorf(model.Pos{File: f.file.Filename, Line: 1, Column: 1}, "add `package "+pkg+"` as the file's first line",
				"%s has no package clause, and the other spec files are package %s", f.file.Filename, pkg)
		}
	}
	return diags
}

// syntaxPositions records where each field is written, by dotted path, from
// the syntax alone: for errors of a spec that does not evaluate.
func syntaxPositions(decls []ast.Decl, prefix string, ps model.Positions) {
	for _, d := range decls {
		f, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(f.Label)
		if err != nil {
			continue
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		if _, seen := ps[p]; !seen {
			ps[p] = posOf(f.Label.Pos())
		}
		if s, ok := f.Value.(*ast.StructLit); ok {
			syntaxPositions(s.Elts, p, ps)
		}
	}
}

// fieldPos is where a value was written: the value itself for a scalar, the
// label for a struct or list, whose value spans many lines.
func fieldPos(v cue.Value) model.Pos {
	src, ok := v.Source().(*ast.Field)
	if !ok {
		return posOf(v.Pos())
	}
	if v.IncompleteKind()&(cue.StructKind|cue.ListKind) != 0 {
		return posOf(src.Label.Pos())
	}
	return posOf(src.Value.Pos())
}

func selectorName(s cue.Selector) string {
	if s.LabelType() == cue.StringLabel {
		return s.Unquoted()
	}
	return s.String()
}

func posOf(p token.Pos) model.Pos {
	if !p.IsValid() {
		return model.Pos{}
	}
	return model.Pos{File: p.Filename(), Line: p.Line(), Column: p.Column()}
}

// patternDescriptions names the schema's string patterns for error messages.
var patternDescriptions = map[string]string{
	"#DNSLabel":          "a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63 characters",
	"#DNSName":           "a lowercase DNS name such as app.qa.example.com",
	"#Region":            "an AWS region such as eu-west-1",
	"#AccountID":         "a 12-digit AWS account ID",
	"#Zone":              "an availability zone such as eu-west-1a",
	"#InstanceType":      "an EC2 instance type such as m6i.large",
	"#Quantity":          "a Kubernetes quantity such as 250m, 1Gi or 0.5",
	"#Threshold":         "an eviction threshold such as 1Gi or 10%",
	"#Duration":          "a duration such as 30s, 5m or 1h",
	"#KubernetesVersion": "a Kubernetes version from 1.28 on, such as 1.33",
	"#TagKey":            "a valid AWS tag key",
	"#LabelKey":          "a Kubernetes label key such as team or example.com/team",
	"#LabelValue":        "a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'",
	"#SSMParameterName":  "an SSM parameter name such as /qa/newrelic/api-key",
	"#TerraformVariable": "a Terraform variable name such as newrelic_api_key",
	"#ACMCertificateARN": "an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>",
	"#IAMAction":         "an IAM action such as s3:GetObject (service:Action)",
	"#IAMResource":       `an ARN such as arn:aws:s3:::bucket/*, or "*"`,
	"#IAMPolicyARN":      "an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
	"#S3Bucket":          "an S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit",
	"#S3BucketARN":       "an S3 bucket ARN such as arn:aws:s3:::my-flow-logs",
	"#KMSKeyARN":         "a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/<id>",
	"#IAMPrincipalARN":   "an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admins",
}

// patternNames maps each pattern's printed constraint (=~"...") to its description.
func patternNames(lib cue.Value) map[string]string {
	out := map[string]string{}
	for def, desc := range patternDescriptions {
		v := lib.LookupPath(cue.MakePath(cue.Def(def)))
		_, args := v.Expr()
		for _, a := range append(args, v) {
			if s := fmt.Sprint(a); strings.HasPrefix(s, "=~") {
				out[s] = desc
			}
		}
	}
	return out
}
