package plan

import "github.com/Masterminds/semver/v3"

// EKSVersion is a version string as an EKS cluster of the minor reports
// it (its GitVersion, such as v1.33.4-eks-a737599): Helm checks a chart's
// kubeVersion against that, and semver reads the suffix as a pre-release.
func EKSVersion(minor string) string { return "v" + minor + ".0-eks-0" }

// AdmitsKubernetes checks a chart's kubeVersion constraint against a
// cluster of the minor as Helm does (chartutil.IsCompatibleRange: the
// Masterminds semver constraint, pre-releases not included unless the
// constraint names one). An empty constraint admits every version.
func AdmitsKubernetes(constraint, minor string) (bool, error) {
	if constraint == "" {
		return true, nil
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return false, err
	}
	v, err := semver.NewVersion(EKSVersion(minor))
	if err != nil {
		return false, err
	}
	return c.Check(v), nil
}
