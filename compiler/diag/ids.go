package diag

// The warnings kuberatorc gives, by the id a spec accepts them with.
const (
	ALBOpenToAnywhere       = "alb-open-to-anywhere"
	AlertmanagerUnreachable = "alertmanager-unreachable"
	ChartUntested           = "chart-untested"
	ControlPlaneMove        = "control-plane-move"
	DesiredIgnored          = "desired-ignored"
	DisruptionUnserved      = "disruption-unserved"
	// EnvironmentWithoutSpec points into the output's manifest, where no
	// comment can accept it: pruning or restoring the spec resolves it.
	EnvironmentWithoutSpec = "environment-without-spec"
	GitopsRootMismatch     = "gitops-root-mismatch"
	ImageNeedsRoot         = "image-needs-root"
	IngressNginxRetired    = "ingress-nginx-retired"
	NoClusterAdmin         = "no-cluster-admin"
	OpsgenieNoClose        = "opsgenie-no-close"
	PublicCIDRsUnused      = "public-cidrs-unused"
	SecurityRelaxed        = "security-relaxed"
	VPCOverlap             = "vpc-overlap"
	// AcceptUnused is an acceptance that accepts nothing; it cannot be
	// accepted itself.
	AcceptUnused = "accept-unused"
)

// WarningIDs are the ids a kuberatorc:accept comment can name.
var WarningIDs = []string{
	ALBOpenToAnywhere, AlertmanagerUnreachable, ChartUntested, ControlPlaneMove, DesiredIgnored, DisruptionUnserved, EnvironmentWithoutSpec, GitopsRootMismatch,
	ImageNeedsRoot, IngressNginxRetired, NoClusterAdmin, OpsgenieNoClose, PublicCIDRsUnused, SecurityRelaxed, VPCOverlap,
}

// Situational warnings depend on more than the spec: on the output
// directory (gitops-root-mismatch, desired-ignored, environment-without-spec,
// control-plane-move)
// or on the environments compiled beside it (vpc-overlap). A run without
// what they compare cannot tell that an acceptance of one is stale, so it
// never says so.
var Situational = []string{ControlPlaneMove, DesiredIgnored, EnvironmentWithoutSpec, GitopsRootMismatch, VPCOverlap}

// AcceptMarker begins a comment that accepts warnings: on a line of its own
// it accepts those of the next line, after a field those of its own line.
// What follows the ids is the reason, for the reader.
const AcceptMarker = "kuberatorc:accept"
