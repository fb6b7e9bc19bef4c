package model

import "testing"

// TestPin: a release picked for a minor wins; an add-on with a tested
// range takes its own release on the minors it does not pin (the range
// judges them); one without has no release for them.
func TestPin(t *testing.T) {
	tested := &TestedRange{From: "1.31", To: "1.33", Source: "upstream"}
	pins := map[string]MinorPin{"1.34": {Version: "2.19.0"}}
	for _, c := range []struct {
		name    string
		addon   CatalogAddon
		minor   string
		version string
		ok      bool
	}{
		{"no pins", CatalogAddon{Version: "1.0.0"}, "1.34", "", true},
		{"a pinned minor", CatalogAddon{ByKubernetesMinor: pins, Tested: tested}, "1.34", "2.19.0", true},
		{"an unpinned minor, with a tested range", CatalogAddon{ByKubernetesMinor: pins, Tested: tested}, "1.36", "", true},
		{"an unpinned minor, pinned per minor by design", CatalogAddon{ByKubernetesMinor: pins}, "1.36", "", false},
	} {
		p, ok := c.addon.Pin(c.minor)
		if p.Version != c.version || ok != c.ok {
			t.Errorf("%s: Pin(%s) = %q, %v; want %q, %v", c.name, c.minor, p.Version, ok, c.version, c.ok)
		}
	}
}
