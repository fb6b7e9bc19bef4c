package load

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"cuelang.org/go/cue/cuecontext"
)

// TestBuiltCatalogIsTheStdlibs: catalog.json is what the embedded stdlib
// decodes to now. After a change to stdlib/, KUBERATOR_UPDATE=1 rewrites it.
func TestBuiltCatalogIsTheStdlibs(t *testing.T) {
	lib, err := buildEmbedded(cuecontext.New())
	if err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, decodeCatalog(lib), "", "  "); err != nil {
		t.Fatal(err)
	}
	want := append(indented.Bytes(), '\n')
	// testutil.Update, which this package cannot import: testutil imports it.
	if os.Getenv("KUBERATOR_UPDATE") != "" {
		if err := os.WriteFile("catalog.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(builtCatalog, want) {
		t.Fatal("compiler/load/catalog.json is not what stdlib/ decodes to: run KUBERATOR_UPDATE=1 go test ./compiler/load and commit it")
	}
}
