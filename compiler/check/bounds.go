package check

import (
	"encoding/json"
	"fmt"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// Bounds on what one generated object may grow to. The API server stores
// objects in etcd, whose default request limit is 1.5 MiB; a ConfigMap's
// data may hold at most 1 MiB (the API validates it). A spec within these
// bounds compiles and emits in bounded time and memory.
const (
	// ConfigMapDataMax is what a ConfigMap's data may hold.
	ConfigMapDataMax = 1 << 20
	// ValuesMax bounds an add-on's values, encoded, so its HelmRelease
	// stays well inside etcd's limit.
	ValuesMax = 512 << 10
	// ValuesDepthMax bounds how deeply values nest; charts nest a handful
	// of levels, and YAML's indentation grows with each.
	ValuesDepthMax = 32
	// RoutesMax bounds the rules one workload's Ingress holds, hosts times
	// paths.
	RoutesMax = 1000
)

// checkBounds keeps every object a spec makes within its size.
func checkBounds(env *model.Environment, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		size := 0
		for _, content := range w.Files {
			size += len(content)
		}
		if size > ConfigMapDataMax {
			ds.Errorf(env.Positions.Of("workloads", name, "files"), "mount large files from an image or a volume; files is for configuration",
				"the files of workload %s hold %s; they become one ConfigMap, which holds at most 1 MiB", name, mib(size))
		}
		if routes := len(w.AllHosts()) * max(1, len(w.Paths)); routes > RoutesMax {
			ds.Errorf(env.Positions.Of("workloads", name, "paths"), fmt.Sprintf("route fewer hosts or paths to one workload (at most %d hosts × paths)", RoutesMax),
				"workload %s serves %d hosts × %d paths = %d routes in one Ingress", name, len(w.AllHosts()), len(w.Paths), routes)
		}
	}
	for _, name := range model.SortedKeys(env.Addons) {
		a := env.Addons[name]
		if a == nil || a.Values == nil {
			continue
		}
		pos := env.Positions.Of("addons", name, "values")
		if d := depth(a.Values); d > ValuesDepthMax {
			ds.Errorf(pos, fmt.Sprintf("flatten the values to at most %d levels", ValuesDepthMax),
				"the values of add-on %s nest %d levels deep; kuberatorc takes at most %d", name, d, ValuesDepthMax)
			continue
		}
		if data, err := json.Marshal(a.Values); err == nil && len(data) > ValuesMax {
			ds.Errorf(pos, "keep large data out of chart values (a ConfigMap of your own, a volume)",
				"the values of add-on %s hold %s; kuberatorc takes at most %s, so the HelmRelease stays inside etcd's limit", name, mib(len(data)), mib(ValuesMax))
		}
	}
}

// depth is how deeply a value nests maps and lists.
func depth(v any) int {
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, child := range x {
			deepest = max(deepest, depth(child))
		}
	case []any:
		for _, child := range x {
			deepest = max(deepest, depth(child))
		}
	default:
		return 0
	}
	return deepest + 1
}

// mib prints a size in MiB, or KiB below one.
func mib(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
