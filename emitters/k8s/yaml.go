package k8s

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	yamlv2 "go.yaml.in/yaml/v2"
)

// marshalYAML encodes an object as sigs.k8s.io/yaml.Marshal does, byte for
// byte, without its round trip through JSON: that marshals to JSON, parses
// the JSON back with go-yaml into a generic tree, and encodes the tree with
// go-yaml. Our objects are already such a tree (maps with string keys,
// slices, strings, numbers, booleans), so they go to the same go-yaml
// encoder directly, which sorts map keys the same way. A value of any other
// type (a struct with JSON tags) takes the JSON round trip, alone.
func marshalYAML(o any) ([]byte, error) {
	tree, _, err := plainTree(o)
	if err != nil {
		return nil, err
	}
	return yamlv2.Marshal(tree)
}

// marshalStream encodes objects as one YAML stream under a header comment:
// the documents marshalYAML makes, "---" between them, as go-yaml's
// Encoder separates documents that are non-empty maps, as every object is
// (it writes "--- {}" for an empty one). Each document has an encoder of
// its own: one encoder for the stream keeps every event of it in a queue
// it never shortens (emitterc.go, yaml_emitter_emit), which grows past
// the small allocations and cost more than the encoders (BenchmarkCompile
// at N=1000: 8% less time, 4% fewer bytes).
func marshalStream(header string, objs []obj) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	for i, o := range objs {
		doc, err := marshalYAML(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(doc)
	}
	return buf.Bytes(), nil
}

// plainTree is x as yamlTree makes it, but shares what needs no change:
// strings, booleans, ints and maps and slices of them encode the same
// from our objects as from the tree, and copying every map of every
// object was most of what encoding allocated. changed says whether the
// result is a new value.
func plainTree(x any) (_ any, changed bool, _ error) {
	switch t := x.(type) {
	case nil, string, bool, int, int32, int64:
		return x, false, nil
	case map[string]string:
		if t == nil {
			return nil, true, nil // JSON's null, where go-yaml writes {}
		}
		return x, false, nil
	case []string:
		if t == nil {
			return nil, true, nil // JSON's null, where go-yaml writes []
		}
		return x, false, nil
	case map[string]any:
		if t == nil {
			return nil, true, nil
		}
		var out map[string]any
		for k, v := range t {
			p, changed, err := plainTree(v)
			if err != nil {
				return nil, false, err
			}
			if changed && out == nil {
				out = maps.Clone(t)
			}
			if out != nil {
				out[k] = p
			}
		}
		if out == nil {
			return x, false, nil
		}
		return out, true, nil
	case []any:
		return plainSlice(t)
	case []map[string]any:
		if t == nil {
			return nil, true, nil
		}
		s := make([]any, len(t))
		for i, m := range t {
			s[i] = m
		}
		p, _, err := plainSlice(s)
		return p, true, err
	}
	tree, err := yamlTree(reflect.ValueOf(x))
	return tree, true, err
}

func plainSlice(t []any) (any, bool, error) {
	if t == nil {
		return nil, true, nil
	}
	var out []any
	for i, v := range t {
		p, changed, err := plainTree(v)
		if err != nil {
			return nil, false, err
		}
		if changed && out == nil {
			out = slices.Clone(t)
		}
		if out != nil {
			out[i] = p
		}
	}
	if out == nil {
		return t, false, nil
	}
	return out, true, nil
}

// yamlTree is v as the generic tree go-yaml would have parsed from its JSON.
func yamlTree(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return yamlTree(v.Elem())
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(v.Int()), nil
	case reflect.Float64, reflect.Float32:
		f := v.Float()
		if f == float64(int(f)) && f < 1e15 && f > -1e15 {
			return int(f), nil // JSON writes 2.0 as 2, which go-yaml reads back as an int
		}
		return f, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		if v.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			x, err := yamlTree(it.Value())
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = x
		}
		return out, nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break // []byte is base64 in JSON
		}
		if v.IsNil() {
			return nil, nil
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := yamlTree(v.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return viaJSON(v.Interface())
}

// viaJSON is the generic tree of a value through JSON, as sigs.k8s.io/yaml
// makes it.
func viaJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree any
	if err := yamlv2.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	return tree, nil
}
