package load

import (
	"cmp"
	"encoding/json"
	"fmt"

	"cuelang.org/go/cue"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/parallel"
)

// exported is the spec as cue export prints it, in pieces that were
// exported side by side: the workloads, which grow with the spec, one by
// one, and every other field together as one JSON object.
type exported struct {
	rest      []byte
	workloads []exportedWorkload // nil when rest holds the workloads field
}

type exportedWorkload struct {
	name string
	data []byte
}

// workloadsField is the field whose members are exported in parallel.
const workloadsField = "workloads"

// export exports env, finalized, on every core. Exporting is CUE's
// largest cost after evaluating: every struct's fields are sorted, and at
// thousands of workloads that was a quarter of a vet, on one core while
// the other idled. CUE's values may be read concurrently once
// evaluated (cue-lang/cue#2733; TestConcurrentMarshalJSON and
// TestConcurrentFields in cue/concurrent_test.go at v0.17.1), and the
// workloads are independent values, so they go to workers. The error is
// the one a single env.MarshalJSON would return: that of the first field,
// in export order, that fails.
func export(env cue.Value) (exported, error) {
	units, err := exportUnits(env)
	if err != nil {
		// The error export alone gives; should it export all the same,
		// the error found.
		_, whole := env.MarshalJSON()
		return exported{}, cmp.Or(whole, err)
	}
	data := make([][]byte, len(units))
	errs := make([]error, len(units))
	parallel.Each(len(units), func(i int) {
		data[i], errs[i] = units[i].value.MarshalJSON()
	})
	for _, err := range errs {
		if err != nil {
			return exported{}, err
		}
	}
	var out exported
	out.rest = append(out.rest, '{')
	for i, u := range units {
		if u.workload {
			out.workloads = append(out.workloads, exportedWorkload{u.name, data[i]})
			continue
		}
		if len(out.rest) > 1 {
			out.rest = append(out.rest, ',')
		}
		key, _ := json.Marshal(u.name) // a string always marshals
		out.rest = append(append(append(out.rest, key...), ':'), data[i]...)
	}
	out.rest = append(out.rest, '}')
	return out, nil
}

// exportUnit is a value exported on its own: a field of the spec, or one
// workload.
type exportUnit struct {
	name     string
	value    cue.Value
	workload bool
}

// exportUnits lists env's fields in export order, each workload in place
// of the workloads field. A struct is split only when it has no error of
// its own: Fields lists the members of a struct whose value is incomplete
// (an if on a value not given), which export whole fails on, while each
// member alone exports.
func exportUnits(env cue.Value) ([]exportUnit, error) {
	if err := env.Err(); err != nil {
		return nil, err
	}
	fields, err := env.Fields()
	if err != nil {
		return nil, err
	}
	var units []exportUnit
	for fields.Next() {
		name, value := fields.Selector().Unquoted(), fields.Value()
		if name != workloadsField || value.Err() != nil {
			units = append(units, exportUnit{name: name, value: value})
			continue
		}
		workloads, err := value.Fields()
		if err != nil {
			// Not a struct: exported whole, it fails as it would in env.
			units = append(units, exportUnit{name: name, value: value})
			continue
		}
		n := len(units)
		for workloads.Next() {
			units = append(units, exportUnit{name: workloads.Selector().Unquoted(), value: workloads.Value(), workload: true})
		}
		if len(units) == n { // none: exported as the field it is, {}
			units = append(units, exportUnit{name: name, value: value})
		}
	}
	return units, nil
}

// decode is the exported spec in the model, the workloads decoded on every
// core.
func (x exported) decode() (*model.Environment, error) {
	env := &model.Environment{}
	if err := json.Unmarshal(x.rest, env); err != nil {
		return nil, err
	}
	if x.workloads == nil {
		return env, nil
	}
	decoded := make([]*model.Workload, len(x.workloads))
	errs := make([]error, len(x.workloads))
	parallel.Each(len(x.workloads), func(i int) {
		decoded[i] = &model.Workload{}
		errs[i] = json.Unmarshal(x.workloads[i].data, decoded[i])
	})
	env.Workloads = make(map[string]*model.Workload, len(x.workloads))
	for i, w := range x.workloads {
		if errs[i] != nil {
			return nil, fmt.Errorf("workload %s: %w", w.name, errs[i])
		}
		env.Workloads[w.name] = decoded[i]
	}
	return env, nil
}
