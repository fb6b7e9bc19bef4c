// Package model is the contract between the compiler and the emitters: the
// validated environment as plain Go values, with no CUE types in it. Every
// field's source position is kept in Positions so that a Go-side rule can point
// at the spec line it is about.
package model

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Environment is one validated environment spec, defaults applied.
type Environment struct {
	Name       string                `json:"name"`
	Domain     string                `json:"domain"`
	AWS        AWS                   `json:"aws"`
	Tags       map[string]string     `json:"tags"`
	Network    Network               `json:"network"`
	Cluster    Cluster               `json:"cluster"`
	Kubelet    Kubelet               `json:"kubelet"`
	NodeGroups map[string]*NodeGroup `json:"nodeGroups"`
	Addons     map[string]*Addon     `json:"addons"`
	Ingress    *Ingress              `json:"ingress,omitempty"`
	GitOps     *GitOps               `json:"gitops,omitempty"`
	Workloads  map[string]*Workload  `json:"workloads"`
	Alerts     *Alerts               `json:"alerts,omitempty"`
	Logs       Logs                  `json:"logs"`
	Terraform  TerraformSettings     `json:"terraform"`
	Access     []AccessEntry         `json:"access"`
	// Manifests is a directory of hand-written manifests the apps layer
	// includes, relative to the output root; "" for none.
	Manifests string `json:"manifests,omitempty"`
	// HostedZones maps the Route 53 zones external-dns may write, by name, to
	// their zone IDs.
	HostedZones map[string]string `json:"hostedZones"`

	// InstanceCatalog holds the spec's own instance figures.
	InstanceCatalog map[string]InstanceType `json:"instanceCatalog"`

	// Positions maps a spec path ("nodeGroups.app.perZone.max") to where the
	// user wrote it. Fields the spec leaves to defaults are absent.
	Positions Positions `json:"-"`
	// DisabledAddons are the add-ons the spec names with enabled: false;
	// loading takes them out of Addons.
	DisabledAddons []string `json:"-"`
}

// TerraformSettings say where Terraform keeps state.
type TerraformSettings struct {
	Backend *Backend `json:"backend,omitempty"`
}

type Backend struct {
	S3 S3Backend `json:"s3"`
}

type S3Backend struct {
	Bucket    string `json:"bucket"`
	Region    string `json:"region,omitempty"`
	KeyPrefix string `json:"keyPrefix"`
	KMSKeyARN string `json:"kmsKeyARN,omitempty"`
}

// StateKey is where a Terraform module's state lives in the backend's
// bucket: <keyPrefix>/<env>/<module>.tfstate, module "aws" or "newrelic";
// "" without a backend.
func (e *Environment) StateKey(module string) string {
	if e.Terraform.Backend == nil {
		return ""
	}
	return e.Terraform.Backend.S3.KeyPrefix + "/" + e.Name + "/" + module + ".tfstate"
}

// AccessEntry gives an IAM principal an EKS access policy.
type AccessEntry struct {
	Principal  string   `json:"principal"`
	Policy     string   `json:"policy"` // clusterAdmin, admin, edit or view
	Namespaces []string `json:"namespaces,omitempty"`
}

type AWS struct {
	Region    string `json:"region"`
	AccountID string `json:"accountID"`
}

type Network struct {
	VPCCIDR     string   `json:"vpcCIDR"`
	Zones       []string `json:"zones"`
	Subnets     Subnets  `json:"subnets"`
	NATGateways string   `json:"natGateways"` // "perZone" or "single"
	CNI         CNI      `json:"cni"`
	FlowLogs    FlowLogs `json:"flowLogs"`
	// Endpoints are the AWS services the VPC gets endpoints for.
	Endpoints []string `json:"endpoints"`
	// AWSAPI is how workloads reach AWS: "public" or "endpoints".
	AWSAPI string `json:"awsAPI"`
}

// FlowLogs records the VPC's traffic, to CloudWatch Logs or to S3.
type FlowLogs struct {
	Enabled       bool   `json:"enabled"`
	Destination   string `json:"destination"` // "cloudwatch" or "s3"
	RetentionDays int    `json:"retentionDays"`
	S3BucketARN   string `json:"s3BucketARN,omitempty"`
}

type Subnets struct {
	Public    SubnetSize `json:"public"`
	Private   SubnetSize `json:"private"`
	Endpoints SubnetSize `json:"endpoints"`
	// ControlPlane holds the cluster's own network interfaces, which the
	// control plane reaches webhooks and APIServices from.
	ControlPlane SubnetSize `json:"controlPlane"`
}

type SubnetSize struct {
	PrefixLength int `json:"prefixLength"`
}

type CNI struct {
	// ExternalSNAT is nil when the spec leaves it out; the compiler then defaults
	// it (nodes are private) and says so.
	ExternalSNAT     *bool `json:"externalSNAT,omitempty"`
	PrefixDelegation bool  `json:"prefixDelegation"`
}

type Cluster struct {
	Version     string   `json:"version"`
	ServiceCIDR string   `json:"serviceCIDR"`
	Endpoint    Endpoint `json:"endpoint"`
	LogTypes    []string `json:"logTypes"`
	// BootstrapCreatorAdmin is nil when the spec leaves it to the compiler.
	BootstrapCreatorAdmin *bool   `json:"bootstrapCreatorAdmin,omitempty"`
	LogRetentionDays      int     `json:"logRetentionDays"`
	CoreDNS               CoreDNS `json:"coreDNS"`
	// AddonNetworkPolicies closes each add-on namespace (true unless a
	// cluster's move onto its control-plane subnets holds them back).
	AddonNetworkPolicies bool `json:"addonNetworkPolicies"`
}

type CoreDNS struct {
	// Autoscaling is nil when the spec leaves it to the compiler.
	Autoscaling *bool `json:"autoscaling,omitempty"`
	MinReplicas int   `json:"minReplicas"`
	MaxReplicas int   `json:"maxReplicas"`
}

// InstanceType is what the capacity arithmetic knows of an EC2 instance type.
type InstanceType struct {
	VCPU                    int     `json:"vcpu"`
	MemoryGiB               float64 `json:"memoryGiB"`
	ENIs                    int     `json:"enis"`
	IPv4PerENI              int     `json:"ipv4PerENI"`
	MaxPods                 int     `json:"maxPods"`
	MaxPodsPrefixDelegation int     `json:"maxPodsPrefixDelegation"`
}

type Endpoint struct {
	Private                         bool     `json:"private"`
	Public                          bool     `json:"public"`
	PublicCIDRs                     []string `json:"publicCIDRs,omitempty"`
	AllowPublicEndpointFromAnywhere bool     `json:"allowPublicEndpointFromAnywhere"`
}

// Kubelet holds reservations and eviction thresholds as the kubelet spells them.
type Kubelet struct {
	KubeReserved        map[string]string `json:"kubeReserved"`
	SystemReserved      map[string]string `json:"systemReserved"`
	EvictionHard        map[string]string `json:"evictionHard"`
	MinAllocatableShare float64           `json:"minAllocatableShare"`
}

type NodeGroup struct {
	Role            string            `json:"role"` // "system" or "app"
	InstanceTypes   []string          `json:"instanceTypes"`
	Capacity        string            `json:"capacity"` // "on-demand" or "spot"
	PerZone         Sizes             `json:"perZone"`
	Zones           []string          `json:"zones,omitempty"`
	Labels          map[string]string `json:"labels"`
	Taints          []Taint           `json:"taints"`
	AMIFamily       string            `json:"amiFamily"`
	RootVolume      RootVolume        `json:"rootVolume"`
	InstanceRefresh InstanceRefresh   `json:"instanceRefresh"`
}

// InstanceRefresh is how an ASG replaces its nodes when its launch
// template changes.
type InstanceRefresh struct {
	MinHealthyPercentage int `json:"minHealthyPercentage"`
	MaxHealthyPercentage int `json:"maxHealthyPercentage"`
}

type Sizes struct {
	Min     int  `json:"min"`
	Max     int  `json:"max"`
	Desired *int `json:"desired,omitempty"`
}

type RootVolume struct {
	SizeGiB int `json:"sizeGiB"`
}

type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// String renders the taint as the kubelet's --register-with-taints takes it.
func (t Taint) String() string {
	if t.Value == "" {
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

type Addon struct {
	Enabled      bool           `json:"enabled"`
	Controller   string         `json:"controller,omitempty"`
	ChartVersion string         `json:"chartVersion,omitempty"`
	Replicas     *int           `json:"replicas,omitempty"`
	Values       map[string]any `json:"values,omitempty"`
}

// Catalog is the part of the stdlib the compiler reads as data: the add-on
// charts, and the figures of the instance types a spec's node groups use.
type Catalog struct {
	Addons map[string]*CatalogAddon `json:"addonCatalog"`
	// IngressNginx is the retired community controller, which nginx's
	// controller: "ingress-nginx" still selects.
	IngressNginx *CatalogAddon `json:"ingressNginx"`
	// Bootstrap are the add-ons flux bootstrap installs itself.
	Bootstrap []string `json:"bootstrapAddons"`
	// Retired maps a retired add-on to its successor.
	Retired map[string]string `json:"retiredAddons"`
	// Images are the images whose entrypoint needs root, by name.
	Images map[string]ImageFact `json:"imageFacts"`
	// Instances holds the figures of the instance types the node groups
	// name, from the spec's instanceCatalog or else the stdlib's; a type
	// neither knows is missing.
	Instances map[string]InstanceType `json:"-"`
	// InstanceNames are the types the stdlib knows, for a hint; filled only
	// when a node group names an unknown one.
	InstanceNames []string `json:"-"`
}

// AddonNames are every add-on a spec may name.
func (c *Catalog) AddonNames() []string {
	return append(SortedKeys(c.Addons), c.Bootstrap...)
}

// CatalogAddon is an add-on's stdlib catalog entry: the Helm chart Flux
// installs, where its values take placement, and what it may do in AWS.
type CatalogAddon struct {
	Chart           string            `json:"chart"`
	Repository      string            `json:"repository"`
	Version         string            `json:"version"`
	Namespace       string            `json:"namespace"`
	Release         string            `json:"release"`
	DaemonSet       bool              `json:"daemonSet"`
	Placement       []string          `json:"placement"`
	TolerationsOnly []string          `json:"tolerationsOnly"`
	Replicas        string            `json:"replicas,omitempty"`
	ServiceAccount  string            `json:"serviceAccount,omitempty"`
	Service         string            `json:"service,omitempty"`
	Policy          []PolicyStatement `json:"policy"`
	Values          map[string]any    `json:"values"`
	EnvValues       map[string]any    `json:"envValues"`
	Note            string            `json:"note,omitempty"`
	// Layer is the Flux layer the add-on's HelmRelease belongs to: infra, or
	// configs for an add-on that needs a Secret an ExternalSecret makes.
	Layer string `json:"layer"`
	// ByKubernetesMinor pins a chart version and values per cluster minor.
	ByKubernetesMinor map[string]MinorPin `json:"byKubernetesMinor,omitempty"`
	// PodSecurity is the strictest Pod Security level the chart's pods pass.
	PodSecurity string `json:"podSecurity"`
	// ScraperPods are the labels of the pods that scrape metrics
	// (kube-prometheus-stack's Prometheus only).
	ScraperPods map[string]string `json:"scraperPods,omitempty"`
	// QueryPort is the scraper pods' Prometheus HTTP API port.
	QueryPort int `json:"queryPort,omitempty"`
	// OpenPorts, ThroughIngress and QueriesPrometheus say who besides its
	// own pods, the control plane and Prometheus reaches the add-on's pods.
	OpenPorts []int `json:"openPorts"`
	// UIPods is a UI among the namespace's pods the ingress controller
	// may reach (kube-prometheus-stack's Grafana).
	UIPods            *UIPods `json:"uiPods,omitempty"`
	ThroughIngress    bool    `json:"throughIngress"`
	QueriesPrometheus bool    `json:"queriesPrometheus"`
	// HealthPath is what the ALB health-checks on the controller (nginx only).
	HealthPath string `json:"healthPath,omitempty"`
	// MinKubernetes is the oldest minor the catalog's values work on.
	MinKubernetes string `json:"minKubernetes,omitempty"`
	// KubeVersion is the chart's Chart.yaml constraint, which Helm checks
	// against the cluster; "" for none.
	KubeVersion string `json:"kubeVersion,omitempty"`
	// Tested is the minors upstream says it tested the release on.
	Tested *TestedRange `json:"tested,omitempty"`
	// ShipsLogs says the add-on ships the containers' logs.
	ShipsLogs bool `json:"shipsLogs"`
	// Pods describes components of Placement for the disruption arithmetic.
	Pods map[string]CatalogPods `json:"pods"`
}

// UIPods selects a UI's pods and names their port.
type UIPods struct {
	Labels map[string]string `json:"labels"`
	Port   int               `json:"port"`
}

// ImageFact is what an image's entrypoint needs to start as root, and
// the way to run it without.
type ImageFact struct {
	Repositories []string `json:"repositories"`
	Needs        string   `json:"needs"`
	Capabilities []string `json:"capabilities"`
	Instead      string   `json:"instead"`
	Source       string   `json:"source"`
}

// TestedRange is a span of Kubernetes minors upstream tested a release on;
// To is "" when the range is open.
type TestedRange struct {
	From   string `json:"from"`
	To     string `json:"to,omitempty"`
	Source string `json:"source"`
}

// CatalogPods is one component of an add-on as the disruption arithmetic
// sees it: the values path of its replica count, the requests its chart
// gives each pod, and what the platform loses while none runs.
type CatalogPods struct {
	Replicas string `json:"replicas,omitempty"`
	// Requests is the values path of the requests, when the chart reads
	// them elsewhere than at <component>.resources.requests.
	Requests string `json:"requests,omitempty"`
	// Grace is the values path of the pods' terminationGracePeriodSeconds,
	// when the catalog sets one longer than Kubernetes' default.
	Grace    string `json:"grace,omitempty"`
	CPU      string `json:"cpu"`
	Memory   string `json:"memory"`
	Critical string `json:"critical,omitempty"`
}

// Logs says where fluent-bit ships the containers' logs.
type Logs struct {
	Destination   string `json:"destination"` // cloudwatch or custom
	RetentionDays int    `json:"retentionDays"`
}

// MinorPin is what an add-on takes for one Kubernetes minor.
type MinorPin struct {
	Version string         `json:"version,omitempty"`
	Values  map[string]any `json:"values,omitempty"`
}

// Pin returns what the add-on takes for the cluster's minor, and whether the
// catalog knows the minor. An add-on that pins nothing per minor takes its
// release on every minor; one that pins some minors takes its own release
// on the others when upstream gives that release a tested range (Tested),
// which then judges the minor. Without one (an image that must match the
// minor), a minor it does not pin has no release.
func (c *CatalogAddon) Pin(minor string) (MinorPin, bool) {
	if p, ok := c.ByKubernetesMinor[minor]; ok {
		return p, true
	}
	return MinorPin{}, len(c.ByKubernetesMinor) == 0 || c.Tested != nil
}

// PolicyStatement is one IAM policy statement.
type PolicyStatement struct {
	Effect    string                    `json:"Effect"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

type Ingress struct {
	Hosts             []string    `json:"hosts"`
	ExternalHosts     []string    `json:"externalHosts"`
	CertificateARN    string      `json:"certificateARN"`
	InboundCIDRs      []string    `json:"inboundCIDRs"`
	AllowFromAnywhere bool        `json:"allowFromAnywhere"`
	HealthCheck       HealthCheck `json:"healthCheck"`
	SSLRedirect       bool        `json:"sslRedirect"`
}

type HealthCheck struct {
	Path         string `json:"path"`
	SuccessCodes string `json:"successCodes"`
}

type GitOps struct {
	URL      string `json:"url"`
	Branch   string `json:"branch"`
	Root     string `json:"root"`
	Interval string `json:"interval"`
}

type Workload struct {
	Image string `json:"image"`
	// Kind is "Job", "CronJob", or "" for a long-running service (a worker
	// when Port is 0).
	Kind     string `json:"kind,omitempty"`
	Replicas int    `json:"replicas"`
	Port     int    `json:"port,omitempty"`
	// The CronJob's schedule and policies, and a Job's retries and bounds.
	Schedule                   string   `json:"schedule,omitempty"`
	TimeZone                   *string  `json:"timeZone,omitempty"`
	ConcurrencyPolicy          string   `json:"concurrencyPolicy,omitempty"`
	StartingDeadlineSeconds    *int     `json:"startingDeadlineSeconds,omitempty"`
	SuccessfulJobsHistoryLimit *int     `json:"successfulJobsHistoryLimit,omitempty"`
	FailedJobsHistoryLimit     *int     `json:"failedJobsHistoryLimit,omitempty"`
	BackoffLimit               *int     `json:"backoffLimit,omitempty"`
	ActiveDeadlineSeconds      *int     `json:"activeDeadlineSeconds,omitempty"`
	TTLSecondsAfterFinished    *int     `json:"ttlSecondsAfterFinished,omitempty"`
	Host                       string   `json:"host,omitempty"`
	Hosts                      []string `json:"hosts"`
	Paths                      []string `json:"paths"`
	Command                    []string `json:"command,omitempty"`
	Args                       []string `json:"args,omitempty"`
	Probe                      *Probe   `json:"probe,omitempty"`
	Probes                     Probes   `json:"probes"`
	// TerminationGracePeriodSeconds bounds a stop; PreStopSeconds is nil
	// when the spec leaves the drain delay to the compiler.
	TerminationGracePeriodSeconds int          `json:"terminationGracePeriodSeconds"`
	PreStopSeconds                *int         `json:"preStopSeconds,omitempty"`
	Role                          string       `json:"role"`
	Resources                     Resources    `json:"resources"`
	Autoscaling                   *Autoscaling `json:"autoscaling,omitempty"`
	Stateful                      bool         `json:"stateful"`
	Zone                          string       `json:"zone,omitempty"`
	Volume                        *Volume      `json:"volume,omitempty"`
	NodeGroup                     string       `json:"nodeGroup,omitempty"`
	Capacity                      string       `json:"capacity,omitempty"`
	Capabilities                  []string     `json:"capabilities"`
	// Metrics is what Prometheus scrapes; nil for nothing.
	Metrics *Metrics `json:"metrics,omitempty"`
	// KubernetesAPI says the pods get a service account token.
	KubernetesAPI bool         `json:"kubernetesAPI"`
	Security      *PodSecurity `json:"securityContext,omitempty"`
	// Env values are literal strings or {ssmParameter: …} references.
	Env     map[string]any `json:"env"`
	AWS     *WorkloadAWS   `json:"aws,omitempty"`
	EnvFrom []EnvSource    `json:"envFrom"`
	// Files maps a mount path to its content.
	Files map[string]string `json:"files"`
	// AllowFrom names the workloads that may connect; Egress the CIDRs (or
	// "internet") the workload may reach outside the namespace.
	AllowFrom []string `json:"allowFrom"`
	Egress    []string `json:"egress"`
}

// Metrics is a workload's scrape endpoint.
type Metrics struct {
	Port     int    `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval,omitempty"`
}

// Batch says the workload runs to completion: a Job or a CronJob.
func (w *Workload) Batch() bool { return w.Kind == "Job" || w.Kind == "CronJob" }

// AllHosts are the names a workload serves, host first.
func (w *Workload) AllHosts() []string {
	var out []string
	if w.Host != "" {
		out = append(out, w.Host)
	}
	for _, h := range w.Hosts {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

type Probes struct {
	Readiness *Probe `json:"readiness,omitempty"`
	Liveness  *Probe `json:"liveness,omitempty"`
	Startup   *Probe `json:"startup,omitempty"`
}

type Probe struct {
	HTTP *struct {
		Path string `json:"path"`
		Port int    `json:"port,omitempty"`
	} `json:"http,omitempty"`
	TCP *struct {
		Port int `json:"port,omitempty"`
	} `json:"tcp,omitempty"`
	Exec *struct {
		Command []string `json:"command"`
	} `json:"exec,omitempty"`
	InitialDelaySeconds *int `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       *int `json:"periodSeconds,omitempty"`
	FailureThreshold    *int `json:"failureThreshold,omitempty"`
}

// PortOr is the port a probe checks: its own, or def; 0 for exec.
func (p *Probe) PortOr(def int) int {
	switch {
	case p.HTTP != nil && p.HTTP.Port != 0:
		return p.HTTP.Port
	case p.TCP != nil && p.TCP.Port != 0:
		return p.TCP.Port
	case p.Exec != nil:
		return 0
	}
	return def
}

// FileKey names a file's key in the workload's files ConfigMap after its
// path: /etc/app/a.yaml is etc_app_a.yaml (the schema allows only the
// characters a key allows, and "/").
func FileKey(path string) string { return strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_") }

// EnvSource is an existing ConfigMap or Secret; one field is set.
type EnvSource struct {
	ConfigMap string `json:"configMap,omitempty"`
	Secret    string `json:"secret,omitempty"`
}

// WorkloadAWS is what a workload's pods may do in AWS.
type WorkloadAWS struct {
	Statements      []WorkloadStatement `json:"statements"`
	ManagedPolicies []string            `json:"managedPolicies"`
}

type WorkloadStatement struct {
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
}

// NodeCapacity is the capacity type a workload's nodes must have: what it
// says, or on-demand for a stateful one, whose data must not go with a
// reclaimed spot node; "" for any.
func (w *Workload) NodeCapacity() string {
	if w.Capacity == "" && w.Stateful {
		return "on-demand"
	}
	return w.Capacity
}

// EnvRef returns an env variable's SSM reference, or nil for a literal.
func (w *Workload) EnvRef(name string) *SecretRef {
	m, ok := w.Env[name].(map[string]any)
	if !ok {
		return nil
	}
	p, _ := m["ssmParameter"].(string)
	sm, _ := m["secretsManager"].(string)
	key, _ := m["key"].(string)
	return &SecretRef{SSMParameter: p, SecretsManager: sm, Key: key}
}

type PodSecurity struct {
	RunAsUser                *int64 `json:"runAsUser,omitempty"`
	FSGroup                  *int64 `json:"fsGroup,omitempty"`
	ReadOnlyRootFilesystem   bool   `json:"readOnlyRootFilesystem,omitempty"`
	RunAsNonRoot             *bool  `json:"runAsNonRoot,omitempty"`
	AllowPrivilegeEscalation *bool  `json:"allowPrivilegeEscalation,omitempty"`
}

type Resources struct {
	CPU              string  `json:"cpu"`
	Memory           string  `json:"memory"`
	EphemeralStorage string  `json:"ephemeral-storage,omitempty"`
	Limits           *Limits `json:"limits,omitempty"`
}

type Limits struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

type Autoscaling struct {
	Min            int `json:"min"`
	Max            int `json:"max"`
	CPUUtilization int `json:"cpuUtilization"`
}

type Volume struct {
	Size      string `json:"size"`
	MountPath string `json:"mountPath"`
	SubPath   string `json:"subPath,omitempty"`
}

type Alerts struct {
	Delivery     string                  `json:"delivery"` // newrelic, alertmanager or both
	NewRelic     *NewRelic               `json:"newrelic,omitempty"`
	Destinations map[string]*Destination `json:"destinations"`
	Rules        Rules                   `json:"rules"`
}

// ToNewRelic says whether the rules become New Relic conditions.
func (a *Alerts) ToNewRelic() bool { return a != nil && a.Delivery != "alertmanager" }

// ToAlertmanager says whether the rules become Prometheus rules routed by
// Alertmanager.
func (a *Alerts) ToAlertmanager() bool { return a != nil && a.Delivery != "newrelic" }

type NewRelic struct {
	AccountID int       `json:"accountID"`
	APIKey    SecretRef `json:"apiKey"`
	// LicenseKey is nil when the spec leaves it to the default; the compiler
	// fills it.
	LicenseKey *SecretRef `json:"licenseKey,omitempty"`
	Region     string     `json:"region"`
}

// SecretRef names where a secret lives; exactly one field is set.
type SecretRef struct {
	SSMParameter string `json:"ssmParameter,omitempty"`
	Variable     string `json:"variable,omitempty"`
	// SecretsManager names a Secrets Manager secret (workload env only), Key
	// a field of it when it holds JSON.
	SecretsManager string `json:"secretsManager,omitempty"`
	Key            string `json:"key,omitempty"`
}

type Destination struct {
	Type                string     `json:"type"`
	Channel             string     `json:"channel,omitempty"`
	ChannelID           string     `json:"channelID,omitempty"`
	WebhookURL          *SecretRef `json:"webhookURL,omitempty"`
	ExistingDestination string     `json:"existingDestination,omitempty"`
	APIKey              *SecretRef `json:"apiKey,omitempty"`
	Region              string     `json:"region,omitempty"`
	IntegrationKey      *SecretRef `json:"integrationKey,omitempty"`
	Addresses           []string   `json:"addresses,omitempty"`
	URL                 *SecretRef `json:"url,omitempty"`
}

type Rules struct {
	ContainerRestarts       *Rule            `json:"containerRestarts,omitempty"`
	PodsFailing             *Rule            `json:"podsFailing,omitempty"`
	PodMemoryNearLimit      *Rule            `json:"podMemoryNearLimit,omitempty"`
	NodeNotReady            *Rule            `json:"nodeNotReady,omitempty"`
	NodeAllocatableNearFull *Rule            `json:"nodeAllocatableNearFull,omitempty"`
	Custom                  map[string]*Rule `json:"custom"`
}

type Rule struct {
	Threshold         *float64 `json:"threshold,omitempty"`
	ThresholdPercent  *float64 `json:"thresholdPercent,omitempty"`
	Window            string   `json:"window"`
	AggregationWindow string   `json:"aggregationWindow"`
	Severity          string   `json:"severity"`
	Notify            []string `json:"notify"`
	NRQL              string   `json:"nrql,omitempty"`
	PromQL            string   `json:"promql,omitempty"`
}

// Pos is a position in a spec file. Line and Column start at 1; a zero Pos
// means "no position known".
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Positions maps dotted spec paths to where the user wrote them.
type Positions map[string]Pos

// Of returns the position of the spec path made of parts, or of its nearest
// ancestor the user wrote, so a rule about a defaulted field still points at
// the struct it belongs to.
func (ps Positions) Of(parts ...string) Pos {
	for n := len(parts); n >= 0; n-- {
		if p, ok := ps[strings.Join(parts[:n], ".")]; ok {
			return p
		}
	}
	return Pos{}
}

// DNSDomains are the names external-dns serves: the domain and every
// external host, in spec order.
func (e *Environment) DNSDomains() []string {
	out := []string{e.Domain}
	if e.Ingress != nil {
		for _, h := range e.Ingress.ExternalHosts {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// SortedKeys returns the keys of m in order, so emitters never leak map order.
func SortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// NamedRule is an alert rule with its spec name and path.
type NamedRule struct {
	Name string
	Kind string // containerRestarts, …, or custom
	Path []string
	*Rule
}

// All lists the rules in a stable order: the built-in kinds in the order
// the schema gives them, then custom rules by name.
func (r Rules) All() []NamedRule {
	var out []NamedRule
	for _, b := range []struct {
		kind string
		rule *Rule
	}{
		{"containerRestarts", r.ContainerRestarts}, {"podsFailing", r.PodsFailing}, {"podMemoryNearLimit", r.PodMemoryNearLimit},
		{"nodeNotReady", r.NodeNotReady}, {"nodeAllocatableNearFull", r.NodeAllocatableNearFull},
	} {
		if b.rule != nil {
			out = append(out, NamedRule{Name: b.kind, Kind: b.kind, Path: []string{"alerts", "rules", b.kind}, Rule: b.rule})
		}
	}
	for _, name := range SortedKeys(r.Custom) {
		out = append(out, NamedRule{Name: name, Kind: "custom", Path: []string{"alerts", "rules", "custom", name}, Rule: r.Custom[name]})
	}
	return out
}

// Seconds reads a duration the schema validated (30s, 5m, 1h).
func Seconds(d string) int {
	n := 0
	for _, c := range d[:len(d)-1] {
		n = n*10 + int(c-'0')
	}
	switch d[len(d)-1] {
	case 'm':
		n *= 60
	case 'h':
		n *= 3600
	}
	return n
}
