package plan

import "testing"

// TestAdmitsKubernetes: Helm's check of a chart's kubeVersion against an
// EKS cluster, whose version carries a pre-release suffix. Helm v3.21.4
// and v4.2.4 (chartutil.IsCompatibleRange) use Masterminds semver v3.5.0,
// as this does.
func TestAdmitsKubernetes(t *testing.T) {
	for _, c := range []struct {
		constraint, minor string
		want              bool
	}{
		{"", "1.33", true},
		{">= 1.25.0-0", "1.28", true},
		{">= 1.16-0", "1.36", true},
		{">=v1.23.0-0", "1.33", true},
		{"^1.25.0-0", "1.39", true},
		{">=1.25.0", "1.33", false}, // no -0: EKS's v1.33.x-eks-… is a pre-release
		{">=1.25.0-0 <1.34.0-0", "1.34", false},
		{">=1.25.0-0 <1.34.0-0", "1.33", true},
	} {
		if got, err := AdmitsKubernetes(c.constraint, c.minor); err != nil || got != c.want {
			t.Errorf("AdmitsKubernetes(%q, %s) = %v, %v; want %v", c.constraint, c.minor, got, err, c.want)
		}
	}
	if _, err := AdmitsKubernetes("not a constraint", "1.33"); err == nil {
		t.Error("a malformed constraint is accepted")
	}
}
