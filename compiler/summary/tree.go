package summary

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// leaves flattens a decoded value into its leaf values by path:
// "spec.template.spec.containers[service1].image". A list whose elements all
// carry a distinct "name" (or "key") is indexed by it, so that inserting an
// element changes that element's paths only. Lists of scalars, empty maps and
// empty lists are leaves themselves, and a string holding a JSON object (an
// IAM policy, an EKS add-on's configuration) is flattened as the object.
func leaves(v any) map[string]any {
	out := map[string]any{}
	walk("", v, out)
	return out
}

func walk(p string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[p] = t
		}
		for k, c := range t {
			walk(join(p, k), c, out)
		}
	case []any:
		if len(t) == 0 || scalars(t) {
			out[p] = t
			return
		}
		keys := listKeys(t)
		for i, c := range t {
			idx := strconv.Itoa(i)
			if keys != nil {
				idx = keys[i]
			}
			walk(p+"["+idx+"]", c, out)
		}
	case string:
		if m, ok := jsonObject(t); ok {
			walk(p, m, out)
			return
		}
		out[p] = t
	default:
		out[p] = v
	}
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func scalars(l []any) bool {
	for _, e := range l {
		switch e.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// listKeys returns each element's "name", or else each one's "key", when
// every element has one and no two are the same; nil otherwise.
func listKeys(l []any) []string {
	for _, field := range []string{"name", "key"} {
		keys := make([]string, 0, len(l))
		for _, e := range l {
			m, _ := e.(map[string]any)
			k, _ := m[field].(string)
			if k == "" || slices.Contains(keys, k) {
				break
			}
			keys = append(keys, k)
		}
		if len(keys) == len(l) {
			return keys
		}
	}
	return nil
}

// jsonObject decodes a string that holds a JSON object.
func jsonObject(s string) (map[string]any, bool) {
	if !strings.HasPrefix(s, "{") {
		return nil, false
	}
	v, err := decodeJSON([]byte(s))
	m, ok := v.(map[string]any)
	return m, err == nil && ok
}

// changedPaths lists, in order, the leaf paths whose values differ between
// a and b, including leaves only one of them has.
func changedPaths(a, b any) []string {
	la, lb := leaves(a), leaves(b)
	var out []string
	for p, va := range la {
		if vb, ok := lb[p]; !ok || !reflect.DeepEqual(va, vb) {
			out = append(out, p)
		}
	}
	for p := range lb {
		if _, ok := la[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// get returns the value at a dotted path of map keys, nil when absent. A
// segment ending in "[*]" steps into every element of a list, and the result
// is the list of what it finds (nil when nothing).
func get(v any, p string) any {
	if p == "" {
		return v
	}
	seg, rest, _ := strings.Cut(p, ".")
	key, each := strings.CutSuffix(seg, "[*]")
	m, _ := v.(map[string]any)
	c, ok := m[key]
	if !ok {
		return nil
	}
	if !each {
		return get(c, rest)
	}
	l, _ := c.([]any)
	var out []any
	for _, e := range l {
		if x := get(e, rest); x != nil {
			out = append(out, x)
		}
	}
	if out == nil {
		return nil
	}
	return out
}

// getString is get for a string; "" when absent or not a string.
func getString(v any, p string) string {
	s, _ := get(v, p).(string)
	return s
}

// covers says whether a leaf path lies at or beneath pattern, where "[*]" in
// the pattern matches any one list index: "spec.rules[*].host" covers
// "spec.rules[0].host", and "spec.values" covers "spec.values.replicas".
func covers(pattern, p string) bool {
	for pattern != "" {
		if rest, ok := strings.CutPrefix(pattern, "[*]"); ok {
			end := strings.Index(p, "]")
			if !strings.HasPrefix(p, "[") || end < 0 {
				return false
			}
			p, pattern = p[end+1:], rest
			continue
		}
		if p == "" || p[0] != pattern[0] {
			return false
		}
		p, pattern = p[1:], pattern[1:]
	}
	return p == "" || p[0] == '.' || p[0] == '['
}

// coveredBy says whether any of the patterns covers p.
func coveredBy(p string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(pattern string) bool { return covers(pattern, p) })
}

// format prints a value compactly: scalars as they are, lists and maps as
// compact JSON, a multi-line string (a script, a file) by its length only.
func format(v any) string {
	switch t := v.(type) {
	case nil:
		return "(unset)"
	case string:
		switch {
		case t == "":
			return `""`
		case strings.Contains(strings.TrimSuffix(t, "\n"), "\n"):
			return fmt.Sprintf("(%d lines)", strings.Count(strings.TrimSuffix(t, "\n"), "\n")+1)
		}
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// list prints at most five paths, then how many more there are. Shallow
// paths come first: "type" says more than "property[payload].label".
func list(paths []string) string {
	const most = 5
	paths = slices.Clone(paths)
	slices.SortStableFunc(paths, func(a, b string) int { return cmp.Compare(depth(a), depth(b)) })
	if len(paths) <= most {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:most], ", ") + fmt.Sprintf(" and %d more", len(paths)-most)
}

// depth counts a path's steps, near enough: a key holding a dot counts more.
func depth(p string) int { return strings.Count(p, ".") + strings.Count(p, "[") }

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
