package text

import "testing"

func TestSuggest(t *testing.T) {
	known := []string{"grafana", "headlamp", "external-dns"}
	for _, c := range []struct{ name, want string }{
		{"grafna", `did you mean "grafana"?`},
		{"dns", `did you mean "external-dns"?`},
		{"zzzzzzzz", "known names: grafana, headlamp, external-dns"},
	} {
		if got := Suggest(c.name, known); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
}
