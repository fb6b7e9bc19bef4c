package load

import (
	"embed"
	"encoding/json"
	"fmt"

	"cuelang.org/go/cue"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/schema"
	"github.com/kuberator/kuberator/stdlib"
)

// builtCatalog is the catalog the embedded stdlib decodes to, made when
// the stdlib changes (KUBERATOR_UPDATE=1 go test ./compiler/load) and
// checked against it by TestBuiltCatalogIsTheStdlibs. Reading it costs a
// tenth of decoding the catalog from CUE, which every vet paid.
//
//go:embed catalog.json
var builtCatalog []byte

// catalogParts are the stdlib's fields the compiler reads as data.
var catalogParts = []string{"addonCatalog", "bootstrapAddons", "imageFacts", "ingressNginx", "retiredAddons"}

// catalogOf is the part of the stdlib the compiler reads as data, and
// the figures of the instance types the spec's node groups name.
func catalogOf(lib cue.Value, env *model.Environment) *model.Catalog {
	data := builtCatalog
	if !embeddedLibrary() {
		data = decodeCatalog(lib) // a test stands in another release
	}
	c := &model.Catalog{}
	if err := json.Unmarshal(data, c); err != nil {
		panic("kuberatorc: embedded catalog does not decode: " + err.Error())
	}
	resolveInstanceTypes(c, env, lib.LookupPath(cue.ParsePath("instanceCatalog")))
	return c
}

// embeddedLibrary says whether Library is the one this binary embeds.
// (A test's stand-in may be a map, which == would panic on.)
func embeddedLibrary() bool {
	if len(Library) != 2 {
		return false
	}
	s, ok1 := Library[0].(embed.FS)
	l, ok2 := Library[1].(embed.FS)
	return ok1 && ok2 && s == schema.FS && l == stdlib.FS
}

// decodeCatalog exports the catalog's parts from the stdlib, as one JSON
// object: what catalog.json holds.
func decodeCatalog(lib cue.Value) []byte {
	parts := map[string]json.RawMessage{}
	for _, path := range catalogParts {
		data, err := lib.LookupPath(cue.ParsePath(path)).MarshalJSON()
		if err != nil {
			panic(fmt.Sprintf("kuberatorc: embedded stdlib does not decode: %s: %v", path, err))
		}
		parts[path] = data
	}
	out, err := json.Marshal(parts)
	if err != nil {
		panic(err)
	}
	return out
}

// resolveInstanceTypes finds each instance type the node groups name in the
// spec's own catalog, else the stdlib's. When one is in neither, the
// stdlib's names come along for the hint.
func resolveInstanceTypes(c *model.Catalog, env *model.Environment, stdlib cue.Value) {
	c.Instances = map[string]model.InstanceType{}
	unknown := false
	for _, name := range model.SortedKeys(env.NodeGroups) {
		for _, t := range env.NodeGroups[name].InstanceTypes {
			if it, ok := env.InstanceCatalog[t]; ok {
				c.Instances[t] = it
				continue
			}
			var it model.InstanceType
			v := stdlib.LookupPath(cue.MakePath(cue.Str(t)))
			if v.Exists() && v.Decode(&it) == nil {
				c.Instances[t] = it
				continue
			}
			unknown = true
		}
	}
	if unknown {
		c.InstanceNames = fieldNames(stdlib)
	}
}

func fieldNames(v cue.Value) []string {
	var names []string
	it, err := v.Fields()
	if err != nil {
		return nil
	}
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return names
}
