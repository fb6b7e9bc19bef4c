package summary

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
)

// An object is one thing a reviewer thinks of as a unit: a Terraform block,
// a Kubernetes object, a file of an unknown sort.
type object struct {
	group group
	// id matches the object across the two sides; it holds the placeholder
	// for the environment's name.
	id string
	// typ and name are what the summary calls it: "Deployment" and
	// "qa/service1", or "" and "aws_iam_role.node" for a Terraform block
	// without a kind of its own. Both normalised.
	typ, name string
	kind      *kind // what matters in it; never nil
	body      any   // decoded and normalised
	norm      normalizer
	file      string // where it is defined, for errors
}

// display is the object's name as printed, with its side's environment.
func (o *object) display() string {
	s := o.name
	if o.kind.name != nil {
		if n := o.kind.name(o.body); n != "" {
			s = n
		}
	}
	if o.typ != "" {
		s = o.typ + " " + s
	}
	return o.norm.back(s)
}

// detail is what an added object's line says after its name: " (hosts)".
func (o *object) detail() string {
	if o.kind.detail == nil {
		return ""
	}
	if d := o.kind.detail(o.body); d != "" {
		return " (" + o.norm.back(d) + ")"
	}
	return ""
}

// load decodes a file set into objects by identity.
func load(fs fileset.FileSet, n normalizer) (map[string]*object, error) {
	objs := map[string]*object{}
	var patches []*object
	for _, p := range fs.Paths() {
		add := func(o *object) error {
			o.file = p
			if prev, dup := objs[o.id]; dup {
				return fmt.Errorf("%s is defined twice, in %s and %s", o.display(), prev.file, p)
			}
			objs[o.id] = o
			return nil
		}
		var err error
		switch g := groupOf(p); g {
		case groupTerraform, groupNewRelic:
			err = loadTerraform(g, p, fs[p], n, add)
		case groupKubernetes:
			err = loadKubernetes(p, fs[p], n, add, &patches)
		default:
			err = add(&object{group: groupOther, id: "file:" + n.str(p), typ: "file", name: n.str(p),
				kind: &kind{}, body: string(fs[p]), norm: n})
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return objs, applyPatches(objs, patches)
}

// groupOf says which deliverable a path belongs to.
func groupOf(p string) group {
	switch {
	case strings.HasPrefix(p, layout.TerraformDir+"/") && strings.HasSuffix(p, ".tf.json"):
		return groupTerraform
	case strings.HasPrefix(p, layout.NewRelicDir+"/") && strings.HasSuffix(p, ".tf.json"):
		return groupNewRelic
	case strings.HasPrefix(p, layout.KubernetesDir+"/") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")):
		return groupKubernetes
	}
	return groupOther
}

// decodeJSON decodes with json.Number, so numbers print as written.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// loadTerraform makes an object of each block of a .tf.json file, named by
// its Terraform address. Blocks of one module may sit in any of its files, so
// the file is no part of the identity.
func loadTerraform(g group, p string, data []byte, n normalizer, add func(*object) error) error {
	v, err := decodeJSON(data)
	if err != nil {
		return err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("not a JSON object")
	}
	prefix := groupTitles[g] + ":"
	for _, blockType := range sortedKeys(top) {
		for _, b := range terraformBlocks(blockType, top[blockType]) {
			addr := n.str(b.addr)
			o := &object{group: g, id: prefix + addr, name: addr, kind: &kind{}, body: n.tree(b.body), norm: n}
			if k := terraformKinds[b.resourceType]; k != nil && blockType == "resource" {
				o.typ, o.name, o.kind = k.label, n.str(b.name), k
			} else if k := blockKinds[blockType]; k != nil {
				o.kind = k
			}
			if err := add(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// A tfBlock is one addressable block of a Terraform JSON file.
type tfBlock struct {
	addr, resourceType, name string
	body                     any
}

// terraformBlocks lists a top-level key's blocks with their addresses:
// resource "aws_vpc" "main" is aws_vpc.main, data is data.<type>.<name>,
// locals are local.<name>, variables var.<name>.
func terraformBlocks(blockType string, v any) []tfBlock {
	m, _ := v.(map[string]any)
	var out []tfBlock
	switch blockType {
	case "resource", "data":
		for _, typ := range sortedKeys(m) {
			byName, _ := m[typ].(map[string]any)
			for _, name := range sortedKeys(byName) {
				addr := typ + "." + name
				if blockType == "data" {
					addr = "data." + addr
				}
				out = append(out, tfBlock{addr, typ, name, byName[name]})
			}
		}
	case "locals", "variable", "output", "module", "provider":
		prefix := map[string]string{"locals": "local", "variable": "var"}[blockType]
		if prefix == "" {
			prefix = blockType
		}
		for _, name := range sortedKeys(m) {
			out = append(out, tfBlock{addr: prefix + "." + name, body: m[name]})
		}
	default: // terraform { required_providers … } and anything newer
		out = append(out, tfBlock{addr: blockType, body: v})
	}
	return out
}

// docSeparator splits a YAML stream into documents.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// loadKubernetes makes an object of each document of a YAML file. Documents
// under an overlay's patches/ directory are set aside, to be applied to the
// objects they patch; kustomize's own kustomization.yaml files become
// objects only for what they include from outside the generated tree.
func loadKubernetes(p string, data []byte, n normalizer, add func(*object) error, patches *[]*object) error {
	for i, doc := range docSeparator.Split(string(data), -1) {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		v, err := decodeJSON(j)
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		if v == nil {
			continue // only a comment, or an empty document
		}
		o, err := kubeObject(v, n)
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		switch {
		case o == nil:
			err = kustomizeRefs(p, v, n, add)
		case strings.Contains(p, "/patches/"):
			o.file = p
			*patches = append(*patches, o)
		default:
			err = add(o)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// kubeObject identifies a Kubernetes object by API group, kind, namespace
// and name (not version: an object moving from v1beta1 to v1 is the same
// object). It returns nil for a kustomize Kustomization, which has no name.
func kubeObject(v any, n normalizer) (*object, error) {
	m, _ := v.(map[string]any)
	kindName, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	if kindName == "" {
		return nil, fmt.Errorf("no kind")
	}
	apiGroup, _, _ := strings.Cut(apiVersion, "/")
	if !strings.Contains(apiVersion, "/") {
		apiGroup = "" // the core group: apiVersion is just "v1"
	}
	if apiGroup == "kustomize.config.k8s.io" {
		return nil, nil
	}
	meta, _ := m["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if ns, _ := meta["namespace"].(string); ns != "" {
		name = ns + "/" + name
	}
	name = n.str(name)
	k := kubeKinds[kindName]
	if k == nil {
		k = &kind{}
	}
	return &object{group: groupKubernetes, id: "k8s:" + apiGroup + "/" + kindName + "/" + name,
		typ: kindName, name: name, kind: k, body: n.tree(v), norm: n}, nil
}

// applyPatches merges each overlay patch into the object it patches, so that
// a change is reported against the object Flux applies ("HelmRelease
// descheduler/descheduler: chart version 0.35.1 → 0.36.0") rather than once
// for the base and once for the patch. A patch whose object is missing
// stands as an object of its own.
func applyPatches(objs map[string]*object, patches []*object) error {
	for _, p := range patches {
		if target, ok := objs[p.id]; ok {
			target.body = mergePatch(target.body, p.body)
			continue
		}
		p.id += " (patch)"
		p.name += " (patch)"
		if prev, dup := objs[p.id]; dup {
			return fmt.Errorf("%s: %s is patched twice, also in %s", p.file, p.display(), prev.file)
		}
		objs[p.id] = p
	}
	return nil
}

// mergePatch applies a JSON merge patch (RFC 7386): maps merge key by key,
// null deletes, anything else replaces. For a custom resource such as a
// HelmRelease, which has no patch strategy of its own, that is what
// kustomize's strategic merge does too.
func mergePatch(base, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	bm, _ := base.(map[string]any)
	out := make(map[string]any, len(bm)+len(pm))
	for k, v := range bm {
		out[k] = v
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

// kustomizeRefs makes an object of each resource a kustomization.yaml
// includes from outside the generated tree, such as the team's own manifests
// directory. Its own files and the add-on bases are objects already, so
// listing them again would only repeat their lines.
func kustomizeRefs(p string, v any, n normalizer, add func(*object) error) error {
	m, _ := v.(map[string]any)
	resources, _ := m["resources"].([]any)
	dir := n.str(strings.TrimPrefix(path.Dir(p), layout.KubernetesDir+"/"))
	for _, r := range resources {
		ref, _ := r.(string)
		if ref == "" || isGenerated(ref) {
			continue
		}
		ref = n.str(ref)
		err := add(&object{group: groupKubernetes, id: "kustomize:" + dir + ":" + ref,
			typ: "kustomize", name: dir + " includes " + ref, kind: &kind{}, norm: n})
		if err != nil {
			return err
		}
	}
	return nil
}

// isGenerated says whether a kustomization's resource is one kuberatorc
// writes: a file beside it or an add-on's base.
func isGenerated(ref string) bool {
	return !strings.Contains(ref, "/") && (strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")) ||
		strings.HasPrefix(ref, "../../../base/")
}
