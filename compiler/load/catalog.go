package load

import (
	"cuelang.org/go/cue"

	"github.com/kuberator/kuberator/compiler/model"
)

// catalogOf decodes the part of the stdlib the compiler reads as data, and
// the figures of the instance types the spec's node groups name.
func catalogOf(lib cue.Value, env *model.Environment) *model.Catalog {
	c := &model.Catalog{}
	// Decode only the parts read here: the instance catalog is large.
	for path, dst := range map[string]any{"addonCatalog": &c.Addons, "ingressNginx": &c.IngressNginx,
		"bootstrapAddons": &c.Bootstrap, "retiredAddons": &c.Retired, "imageFacts": &c.Images} {
		if err := lib.LookupPath(cue.ParsePath(path)).Decode(dst); err != nil {
			panic("kuberatorc: embedded stdlib does not decode: " + err.Error())
		}
	}
	resolveInstanceTypes(c, env, lib.LookupPath(cue.ParsePath("instanceCatalog")))
	return c
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
