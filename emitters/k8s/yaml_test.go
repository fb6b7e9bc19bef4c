package k8s

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestMarshalYAMLMatchesSigsYAML: the direct encoding gives the bytes
// sigs.k8s.io/yaml's JSON round trip gives, for the values that quote,
// convert or sort differently if anything is off.
func TestMarshalYAMLMatchesSigsYAML(t *testing.T) {
	type tagged struct {
		Name  string `json:"name"`
		Count int    `json:"count,omitempty"`
	}
	o := obj{
		"strings":   []string{"true", "false", "yes", "no", "on", "null", "~", "1", "1.0", "0x1F", "1e3", "", " lead", "a: b", "- x", "#c", "multi\nline\n", "ünïcode", "<&>", "${var}"},
		"numbers":   []any{0, 1, -7, 2.0, 0.5, 1e-7, 123456789, int64(42), float32(1.5)},
		"bools":     []bool{true, false},
		"nil":       nil,
		"empty":     obj{},
		"emptyList": []any{},
		"nested":    obj{"b10": 1, "b2": 2, "a": obj{"z": []obj{{"k": "v"}}}},
		"labels":    map[string]string{"app.kubernetes.io/name": "x", "2": "two"},
		"struct":    tagged{Name: "s"},
		"pointer":   &tagged{Name: "p", Count: 3},
		// Shared, not copied, unless something below must change.
		"nilMap":     map[string]string(nil),
		"nilStrings": []string(nil),
		"nilObjs":    []obj(nil),
		"objs":       []obj{{"whole": 2.0, "plain": "x"}, {"k": []string{"v"}}},
		"deep":       obj{"a": []any{obj{"b": float32(0.25)}, "c", nil}},
	}
	want, err := yaml.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalYAML(o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("marshalYAML differs from sigs.k8s.io/yaml (-want +got):\n%s", diff)
	}
}
