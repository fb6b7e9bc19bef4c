package load

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/kuberator/kuberator/compiler/model"
)

// TestInstanceCatalogArithmetic checks the catalog's max-pods figures against
// hand-computed ones: ENIs × (IPv4 per ENI − 1) + 2, and with prefix
// delegation ENIs × (IPv4 per ENI − 1) × 16 + 2 capped at 110 (< 30 vCPUs) or 250.
func TestInstanceCatalogArithmetic(t *testing.T) {
	lib, err := buildEmbedded(cuecontext.New())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		maxPods, pdMax int
		vcpu           int
		memoryGiB      float64
	}{
		{"m5.large", 29, 110, 2, 8},        // 3 × (10 − 1) + 2; PD 3 × 9 × 16 + 2 = 434 → cap 110
		{"m5.xlarge", 58, 110, 4, 16},      // 4 × (15 − 1) + 2
		{"c5.xlarge", 58, 110, 4, 8},       // 4 × (15 − 1) + 2
		{"m6i.4xlarge", 234, 110, 16, 64},  // 8 × (30 − 1) + 2
		{"m5.16xlarge", 737, 250, 64, 256}, // 15 × (50 − 1) + 2; ≥ 30 vCPUs → cap 250
		{"r6i.large", 29, 110, 2, 16},
		{"t3.medium", 17, 110, 2, 4}, // 3 × (6 − 1) + 2
		{"t3.large", 35, 110, 2, 8},  // 3 × (12 − 1) + 2
		{"t3.micro", 4, 34, 2, 1},    // 2 × (2 − 1) + 2; PD 2 × 1 × 16 + 2 = 34, under the cap
		{"m7g.medium", 8, 98, 1, 4},  // 2 × (4 − 1) + 2; PD 2 × 3 × 16 + 2 = 98
		{"c5.9xlarge", 234, 250, 36, 72},
	}
	catalog := lib.LookupPath(cue.ParsePath("instanceCatalog"))
	for _, tc := range tests {
		var it model.InstanceType
		if err := catalog.LookupPath(cue.MakePath(cue.Str(tc.name))).Decode(&it); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if it.MaxPods != tc.maxPods || it.MaxPodsPrefixDelegation != tc.pdMax || it.VCPU != tc.vcpu || it.MemoryGiB != tc.memoryGiB {
			t.Errorf("%s = %+v, want maxPods %d, with prefix delegation %d, %d vCPU, %g GiB",
				tc.name, it, tc.maxPods, tc.pdMax, tc.vcpu, tc.memoryGiB)
		}
	}
	if n := len(fieldNames(catalog)); n < 100 {
		t.Errorf("catalog holds %d instance types; the families it promises need more", n)
	}
}
