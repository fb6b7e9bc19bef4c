package testutil

import (
	"fmt"
	"strings"
)

// ScaleSpec returns an environment spec with n more workloads than base
// (examples/qa.cue): half of them with a host under domain, a fifth with
// autoscaling. It is what the scale benchmarks and `make bench-scale`
// compile.
func ScaleSpec(base []byte, domain string, n int) []byte {
	var b strings.Builder
	b.Write(base)
	b.WriteString("\n// Generated for scale measurements.\nworkloads: {\n")
	for i := range n {
		name := fmt.Sprintf("gen%04d", i)
		fmt.Fprintf(&b, "\t%s: {\n\t\timage: \"ghcr.io/example/%s:1.0.%d\"\n\t\tport: 8080\n", name, name, i%10)
		b.WriteString("\t\tresources: {cpu: \"100m\", memory: \"128Mi\"}\n")
		if i%2 == 0 {
			fmt.Fprintf(&b, "\t\thost: \"%s.%s\"\n", name, domain)
		}
		if i%5 == 0 {
			b.WriteString("\t\tautoscaling: {min: 2, max: 6, cpuUtilization: 70}\n")
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}
