package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/internal/testutil"
)

// badSpecs derive a broken spec from examples/qa.cue by replacing one piece
// of text. want is the exact first diagnostic line: position and message.
var badSpecs = []struct {
	name, old, new, want string
	more                 []string // further old, new pairs
}{
	{"unknown field", "logTypes:", "logTypez:",
		"bad.cue:39:2: error: cluster.logTypez: field not allowed", nil},
	{"wrong type", `port:     9000`, `port:     "9000"`,
		`bad.cue:112:13: error: workloads.service2.port: conflicting values "9000" and int (mismatched types string and int)`, nil},
	{"bad CIDR", `vpcCIDR: "10.20.0.0/16"`, `vpcCIDR: "10.20.0.0/33"`,
		`bad.cue:18:11: error: network.vpcCIDR: invalid value "10.20.0.0/33" (does not satisfy net.IPCIDR)`, nil},
	{"prefix out of range", "private: prefixLength: 19", "private: prefixLength: 30",
		"bad.cue:23:26: error: network.subnets.private.prefixLength: invalid value 30 (out of bound <=28)", nil},
	{"unknown role", `role: "app"`, `role: "worker"`,
		`bad.cue:57:9: error: nodeGroups.app.role: invalid value "worker" (must be one of "app", "system")`, nil},
	{"min above max", "perZone: {min: 1, desired: 1, max: 2}", "perZone: {min: 3, max: 2}",
		"bad.cue:53:26: error: nodeGroups.system.perZone.max: invalid value 2 (out of bound >=3)", nil},
	{"desired above max", "desired: 2, max: 10", "desired: 11, max: 10",
		"bad.cue:60:30: error: nodeGroups.app.perZone.desired: invalid value 11 (out of bound <=10)", nil},
	{"bad DNS name", `domain: "qa.example.com"`, `domain: "qa_example.com"`,
		`bad.cue:5:9: error: domain: invalid value "qa_example.com" (not a lowercase DNS name such as app.qa.example.com)`, nil},
	{"unknown add-on", "grafana: {}", "grafanna: {}",
		"bad.cue:72:2: error: unknown add-on \"grafanna\"\n\thint: did you mean \"grafana\"?", nil},
	{"retired add-on", "headlamp: {}", `"kubernetes-dashboard": {}`,
		`bad.cue:73:2: error: add-on "kubernetes-dashboard" is retired; its successor is "headlamp"`, nil},
	{"empty zones", `zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"]`, "zones: []",
		"bad.cue:19:9: error: network.zones: invalid value [] (does not satisfy list.MinItems(2))", nil},
	{"duplicate zone", `zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"]`, `zones: ["eu-west-1a", "eu-west-1b", "eu-west-1a"]`,
		`bad.cue:19:9: error: network.zones: invalid value ["eu-west-1a","eu-west-1b","eu-west-1a"] (does not satisfy list.UniqueItems)`, nil},
	{"malformed certificate ARN", "certificate/0f1e", "cert/0f1e",
		`bad.cue:84:18: error: ingress.certificateARN: invalid value "arn:aws:acm:eu-west-1:123456789012:cert/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" (not an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>)`, nil},
	{"certificate of another region", "acm:eu-west-1:123456789012", "acm:us-east-1:123456789012",
		"bad.cue:84:18: error: the certificate is in us-east-1, but the ALB is in eu-west-1: an ALB can only use a certificate of its own region\n" +
			"\thint: request or import the certificate in ACM in eu-west-1 and use its ARN", nil},
	{"certificate of another account", "acm:eu-west-1:123456789012", "acm:eu-west-1:210987654321",
		"bad.cue:84:18: error: the certificate belongs to account 210987654321, but the environment is in account 123456789012", nil},
	{"health check of a workload path", "allowFromAnywhere: true\n}", "allowFromAnywhere: true\n\thealthCheck: path: \"/healthz\"\n}",
		"bad.cue:87:21: error: the ALB checks the nginx controller on its traffic port, not a workload, and there /healthz answers only /nginx-health: every target would be unhealthy\n" +
			"\thint: leave path out, or set it to \"/nginx-health\", the controller's health endpoint", nil},
	{"gitops root outside the repository", `branch: "main"`, `branch: "main", root: "../../.."`,
		`bad.cue:91:24: error: gitops.root "../../.." leaves the repository: Flux reads paths inside its checkout`, nil},
	{"tag key aws:", `team:       "platform"`, `"aws:team": "platform"`,
		`bad.cue:13:14: error: tag key "aws:team" begins with aws:, which AWS reserves for its own tags`, nil},
	{"tag value of 300 characters", `costCenter: "eng-42"`, `costCenter: "` + strings.Repeat("x", 300) + `"`,
		`bad.cue:14:14: error: the value of tag "costCenter" has 300 characters; AWS allows 256` + "\n\thint: shorten the value by 44 characters", nil},
	{"tag value with a character AWS refuses", `costCenter: "eng-42"`, `costCenter: "eng#42"`,
		`bad.cue:14:14: error: the value of tag "costCenter" has characters AWS does not accept in tags`, nil},
	{"a workload whose Flux Kustomization name is over 63", "\tservice2: {", "\t\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-service\": {",
		"bad.cue:109:2: error: the Flux Kustomization name (a label on every object it applies) \"qa-app-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-service\" has 65 characters; Kubernetes allows 63\n" +
			"\thint: shorten workload aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-service's name by 2 characters (to at most 56), or the environment's", nil},
	{"a workload whose files label is over 63", "\tservice1: {", "\t\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-service\": {",
		"bad.cue:95:2: error: the label app.kubernetes.io/name \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-service-files\" has 64 characters; Kubernetes allows 63", nil},
	{"a stateful workload over 52", "\tpostgres: {", "\t\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-postgre\": {",
		"bad.cue:123:2: error: the StatefulSet name (its pods' controller-revision-hash label adds up to 11 characters) \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-postgre\" has 55 characters; Kubernetes allows 52", nil},
	{"hosts × paths over the bound", `hosts: ["www.qa.example.com"]`, `hosts: [for i in list.Range(0, 20, 1) {"h\(i).qa.example.com"}]`,
		"bad.cue:108:3: error: workload service1 serves 21 hosts × 60 paths = 1260 routes in one Ingress",
		[]string{`paths: ["/", "/api"]`, `paths: [for i in list.Range(0, 60, 1) {"/p\(i)"}]`, "name:   \"qa\"", "import \"list\"\n\nname:   \"qa\""}},
	{"a 2 MiB file", `"listen: :8080\nlog: json\n"`, `"` + strings.Repeat("x", 2<<20) + `"`,
		"bad.cue:103:3: error: the files of workload service1 hold 2.0 MiB; they become one ConfigMap, which holds at most 1 MiB", nil},
	{"values 300 deep", "grafana: {}", "grafana: {values: " + strings.Repeat("{a: ", 300) + "1" + strings.Repeat("}", 300) + "}",
		"bad.cue:72:12: error: the values of add-on grafana nest 300 levels deep; kuberatorc takes at most 32", nil},
	{"replicas with autoscaling", "replicas: 2\n\t\tport:     8080", "replicas: 3\n\t\tport:     8080",
		"bad.cue:97:13: error: workload service1 sets replicas: 3 and autoscaling (min 2, max 6): the autoscaler ignores replicas\n" +
			"\thint: remove replicas, or make it 2: the autoscaler owns the count, and autoscaling.min is its floor", nil},
	{"a capability the namespace's level forbids", `capabilities: ["CHOWN", "DAC_OVERRIDE"`, `capabilities: ["NET_ADMIN", "CHOWN", "DAC_OVERRIDE"`,
		"bad.cue:138:18: error: capability NET_ADMIN is not one the namespace's Pod Security level (baseline) lets a pod add: the API server refuses the pod", nil},
	{"an env address allowFrom does not admit", `env: PARTNER_TOKEN: {ssmParameter: "/qa/service2/partner-token"}`,
		`env: {PARTNER_TOKEN: {ssmParameter: "/qa/service2/partner-token"}, DATABASE_URL: "postgres://app@postgres.qa.svc.cluster.local:5432/app"}`,
		"bad.cue:117:84: error: env DATABASE_URL of service2 connects to workload postgres, whose allowFrom does not admit service2: the namespace's policies drop the connection\n" +
			"\thint: add allowFrom: [\"service2\"] to workload postgres", nil},
	{"an env address in another namespace", `env: DATABASE_URL: {secretsManager: "qa/service1/database", key: "url"}
		hosts:`,
		`env: {DATABASE_URL: {secretsManager: "qa/service1/database", key: "url"}, DATABASE_HOST: "postgres.staging.svc"}
		hosts:`,
		"bad.cue:104:92: error: env DATABASE_HOST of service1 names postgres in namespace staging, but workload postgres runs in qa", nil},
	{"an arg naming a workload that does not admit it", `"--partner-url=https://partner.example.net"]`, `"--partner-url=https://partner.example.net", "--db=postgres:5432"]`,
		"bad.cue:116:70: error: an arg of service2 connects to workload postgres, whose allowFrom does not admit service2: the namespace's policies drop the connection", nil},
	{"a worker with hosts", "\t\tport:     9000\n", "",
		"bad.cue:114:3: error: workload service2 has no port (a worker): hosts would route traffic to nothing",
		[]string{"egress: [\"internet\"] // calls a partner's API", "egress: [\"internet\"]\n\t\thosts: [\"w.qa.example.com\"]"}},
	{"a CronJob with a bad schedule", `kind:  "Job"`, `kind:  "CronJob", schedule: "0 3 * *"`,
		`bad.cue:173:30: error: schedule "0 3 * *" is not one the API server accepts: expected exactly 5 fields, found 4: [0 3 * *]`, nil},
	{"autoscaling on a CronJob", `kind:  "Job"`, `kind:  "CronJob", schedule: "@daily", autoscaling: {min: 1, max: 2, cpuUtilization: 50}`,
		"bad.cue:173:40: error: autoscaling has no meaning for a CronJob (workload migrate)", nil},
	{"a Job deleted after it finishes", "activeDeadlineSeconds: 600\n}", "activeDeadlineSeconds: 600\n\tttlSecondsAfterFinished: 60\n}",
		"bad.cue:180:27: error: a Job deleted after it finishes is one Flux applies again at its next reconcile, and it runs again", nil},
	{"metrics without a scraper", `egress: ["internet"] // calls a partner's API`, `egress: ["internet"], metrics: port: 9102`,
		"bad.cue:114:25: error: workload service2 has metrics, and no add-on scrapes them: kube-prometheus-stack is not enabled", nil},
	{"bad region", `region:    "eu-west-1"`, `region:    "Europe"`,
		`bad.cue:8:13: error: aws.region: invalid value "Europe" (not an AWS region such as eu-west-1)`, nil},
	{"bad account ID", `accountID: "123456789012"`, `accountID: "12345"`,
		`bad.cue:9:13: error: aws.accountID: invalid value "12345" (not a 12-digit AWS account ID)`, nil},
	{"literal secret", `apiKey: {ssmParameter: "/qa/newrelic/api-key"}`, `apiKey: "NRAK-0123456789"`,
		"bad.cue:145:11: error: alerts.newrelic.apiKey: a literal secret is not allowed", nil},
	{"undefined destination", `notify: ["slack"]`, `notify: ["slak"]`,
		`bad.cue:154:91: error: destination "slak" is not defined in alerts.destinations`, nil},
	{"bad taint effect", `effect: "NoSchedule"`, `effect: "NoRun"`,
		`bad.cue:54:55: error: nodeGroups.system.taints.0.effect: invalid value "NoRun" (must be one of "NoExecute", "NoSchedule", "PreferNoSchedule")`, nil},
	{"unsupported Kubernetes version", `version: "1.33"`, `version: "1.20"`,
		`bad.cue:33:11: error: cluster.version: invalid value "1.20" (not a Kubernetes version from 1.28 on, such as 1.33)`, nil},
	{"zone outside region", `"eu-west-1c"]`, `"eu-central-1c"]`,
		`bad.cue:19:38: error: zone "eu-central-1c" is not in region eu-west-1`, nil},
	{"stateful workload without zone", "\t\tzone:     \"eu-west-1a\"\n", "",
		"bad.cue:125:13: error: stateful workload postgres names no zone; its EBS volumes are zonal, so it must be pinned to one", nil},
	{"host outside domain", `host:     "service1.qa.example.com"`, `host:     "service1.example.org"`,
		`bad.cue:99:13: error: host "service1.example.org" is outside the environment's domain qa.example.com`, nil},
	{"public endpoint open to the world", `publicCIDRs: ["203.0.113.0/24"]`, `publicCIDRs: ["0.0.0.0/0"]`,
		"bad.cue:37:17: error: 0.0.0.0/0 opens the cluster API to the whole internet", nil},
	{"VPC too small for its subnets", `vpcCIDR: "10.20.0.0/16"`, `vpcCIDR: "10.20.0.0/18"`,
		"bad.cue:18:11: error: network.vpcCIDR: VPC 10.20.0.0/18 cannot hold 3 private /19, 3 public /22 and 3 control-plane /28 subnets (27696 addresses needed, 16384 available)", nil},
	{"service CIDR overlaps the VPC", `version: "1.33"`, `version: "1.33", serviceCIDR: "10.20.128.0/20"`,
		"bad.cue:33:32: error: service CIDR 10.20.128.0/20 overlaps the VPC 10.20.0.0/16", nil},
	{"label the kubelet may not set", `capacity: "on-demand"
		perZone: {min: 1, desired: 2`, `capacity: "on-demand"
		labels: "kubernetes.io/team": "x"
		perZone: {min: 1, desired: 2`,
		`bad.cue:60:33: error: the kubelet may not set label "kubernetes.io/team" on its own node (NodeRestriction)`, nil},
	{"unknown instance type", `instanceTypes: ["m6i.large"]`, `instanceTypes: ["m6i.lrge"]`,
		`bad.cue:51:19: error: instance type "m6i.lrge" is not in the catalog`, nil},
	{"instance types of two architectures", `["m6i.xlarge", "m5.xlarge"]`, `["m6i.xlarge", "m7g.xlarge"]`,
		"bad.cue:58:3: error: nodeGroups.app.instanceTypes: instance types mix CPU architectures (m6i.xlarge is x86_64, m7g.xlarge is arm64)", nil},
	{"private subnets below 2,000 addresses", "private: prefixLength: 19", "private: prefixLength: 22",
		"bad.cue:23:26: error: zone eu-west-1a: private subnet 10.20.0.0/22 has 1019 usable addresses; a subnet that holds nodes needs at least 2000", nil},
	{"node groups outgrow their subnet", "private: prefixLength: 19", "private: prefixLength: 21",
		"bad.cue:23:26: error: zone eu-west-1a: node groups need up to 2686 addresses (app (40 + 4 rolling) × (58 pods + 1) = 2596, system (2 + 1 rolling) × (29 pods + 1) = 90) but private subnet 10.20.0.0/21 has 2043: short by 643",
		[]string{"desired: 2, max: 10}", "desired: 2, max: 40}"}},
	{"CoreDNS autoscaling off for a large cluster", `version: "1.33"`, `version: "1.33", coreDNS: autoscaling: false`,
		"bad.cue:33:41: error: the cluster can hold 1914 pods (more than 1000): CoreDNS autoscaling must stay on", nil},
	{"kubelet reservations leave too little memory", `instanceTypes: ["m6i.large"]`, `instanceTypes: ["t3.medium"]`,
		"bad.cue:51:3: error: t3.medium (4 GiB) keeps 45% of its memory for pods after kubelet reservations and eviction threshold; at least 50% is required", nil},
	{"stateful workload in a zone without its role's nodes", `capacity: "on-demand"
		perZone: {min: 1, desired: 2`, `capacity: "on-demand"
		zones: ["eu-west-1b", "eu-west-1c"]
		perZone: {min: 1, desired: 2`,
		`bad.cue:127:13: error: no app node group runs in eu-west-1a, where stateful workload postgres and its volume live`, nil},
	{"add-ons without system nodes", `role: "system"`, `role: "app"`,
		"bad.cue:64:1: error: add-ons run only on system nodes, and no node group has role system", nil},
	{"add-on values that override placement", "descheduler: {}", `descheduler: {values: tolerations: []}`,
		"bad.cue:71:24: error: add-on descheduler sets tolerations, which would override its placement on system nodes", nil},
	{"workload zone outside the network", `zone:     "eu-west-1a"`, `zone:     "eu-west-1d"`,
		`bad.cue:126:13: error: workload postgres is pinned to zone "eu-west-1d", which is not in network.zones`, nil},
	{"prometheus-adapter without a Prometheus", "keda: {}", `"prometheus-adapter": {}`,
		"bad.cue:70:2: error: prometheus-adapter reads metrics from Prometheus, and no Prometheus runs in the cluster", nil},
	{"a Kubernetes minor the autoscaler has no release for", `version: "1.33"`, `version: "1.37"`,
		"bad.cue:33:11: error: add-on cluster-autoscaler: no release in the catalog for Kubernetes 1.37", nil},
	{"a domain outside the hosted zones", `hostedZones: "qa.example.com"`, `hostedZones: "prod.example.com"`,
		"bad.cue:67:2: error: external-dns may write only the spec's hostedZones, and none of them holds the domain qa.example.com", nil},
	{"alerts delivered by Alertmanager without kube-prometheus-stack", "alerts: {\n", "alerts: {\n\tdelivery: \"both\"\n",
		`bad.cue:143:12: error: alerts are delivered by Alertmanager (delivery "both"), and kube-prometheus-stack, which runs it, is not enabled`, nil},
	{"a license key the cluster cannot read", `apiKey: {ssmParameter: "/qa/newrelic/api-key"}`,
		`apiKey: {ssmParameter: "/qa/newrelic/api-key"}, licenseKey: {variable: "nr_license"}`,
		"bad.cue:145:51: error: New Relic's Kubernetes integration reads its license key in the cluster, from SSM; a Terraform variable cannot reach it", nil},
	{"custom log shipping without outputs", "hostedZones:", "logs: destination: \"custom\"\nhostedZones:",
		`bad.cue:79:20: error: logs.destination is "custom", and addons."fluent-bit" gives no values.config.outputs: fluent-bit would ship to its chart's default, an Elasticsearch that does not exist`, nil},
	{"replicas for an add-on that takes none", "descheduler: {}", "descheduler: {replicas: 2}",
		"bad.cue:71:26: error: add-on descheduler takes no replicas: it runs as one instance (or one per node)", nil},
	{"an AWS access key as a tag key", `team:       "platform"`, `AKIAIOSFODNN7EXAMPLE: "platform"`,
		`bad.cue:13:2: error: "AKIAIOSF…" looks like an AWS access key ID; a spec holds references to secrets, never the secrets`, nil},
	{"the character kuberatorc reserves", `team:       "platform"`, "team:       \"plat\ue000{form\"",
		`bad.cue:13:14: error: "plat…" holds U+E000, a private-use character kuberatorc reserves`, nil},
	{"a node count past any int", "desired: 2, max: 10}", "desired: 2, max: 99999999999999999999}",
		"bad.cue:60:38: error: nodeGroups.app.perZone.max: invalid value 99999999999999999999 (out of bound <=1000)", nil},
	{"a node count that would overflow the IP arithmetic", "desired: 2, max: 10}", "desired: 2, max: 9223372036854775807}",
		"bad.cue:60:38: error: nodeGroups.app.perZone.max: invalid value 9223372036854775807 (out of bound <=1000)", nil},
	{"a threshold past float64", "threshold: 3,", "threshold: 1e400,",
		"bad.cue:152:34: error: alerts.rules.containerRestarts.threshold: invalid value 1E+400 (out of bound <=1E+9)", nil},
	{"an HPA maximum past int32", "autoscaling: {min: 2, max: 6,", "autoscaling: {min: 2, max: 3000000000,",
		"bad.cue:101:30: error: workloads.service1.autoscaling.max: invalid value 3000000000 (out of bound <=1000)", nil},
	{"a name too long for the IAM roles it makes", `name:   "qa"`, `name:   "qa-with-a-long-name-for-the-platform-team"`,
		`bad.cue:4:9: error: the IAM role name "qa-with-a-long-name-for-the-platform-team-aws-load-balancer-controller" has 70 characters; AWS allows 64` +
			"\n\thint: shorten name by 6 characters (to at most 35)", nil},
	{"a structural cycle", "tags: {", "cyc: {a: b, b: {x: a}}\ntags: {",
		"bad.cue:12:17: error: cyc.b.x: structural cycle", nil},
	{"an import", "// The QA environment", "import \"example.com/lib\"\n// The QA environment",
		`bad.cue:1:8: error: package "example.com/lib" cannot be imported: a spec has no module to import it from` +
			"\n\thint: remove the import; the schema and its catalogs need none", nil},
	{"a node group name too long for its launch templates", `name:   "qa"`, `name:   "qa-long-name-for-the-platform-teams"`,
		`bad.cue:56:2: error: the launch template name prefix "qa-long-name-for-the-platform-teams-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-eu-west-1a-" has 108 characters; AWS allows 102` +
			"\n\thint: shorten the node group's name by 6 characters (to at most 54)", []string{"\tapp: {", "\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: {"}},
	{"a literal password in env", `env: POSTGRES_PASSWORD: {ssmParameter: "/qa/postgres/password"}`, `env: POSTGRES_PASSWORD: "Sup3rS3cret!"`,
		`bad.cue:134:27: error: POSTGRES_PASSWORD holds a literal value, and a variable named like this holds a secret`, nil},
	{"a node group that does not exist", "stateful: true", "stateful: true\n\t\tnodeGroup: \"db\"",
		`bad.cue:126:14: error: node group "db" does not exist`, nil},
	{"a stateful workload with only spot nodes", `capacity: "on-demand"
		perZone: {min: 1, desired: 2`, `capacity: "spot"
		perZone: {min: 1, desired: 2`,
		`bad.cue:123:2: error: workload postgres must run on on-demand nodes, and no app node group it may use has any in eu-west-1a` +
			"\n\thint: add an on-demand node group of role app, or set capacity: \"spot\" if losing a node with its data is acceptable", nil},
	{"an AWS action that is not service:Action", "env: POSTGRES_PASSWORD:", "aws: statements: [{actions: [\"GetObject\"], resources: [\"*\"]}]\n\t\tenv: POSTGRES_PASSWORD:",
		`bad.cue:134:32: error: workloads.postgres.aws.statements.0.actions.0: invalid value "GetObject" (not an IAM action such as s3:GetObject (service:Action))`, nil},
	{"a probe on a port the workload does not expose", `probe: http: path: "/healthz"`, `probe: http: {path: "/healthz", port: 9090}`,
		`bad.cue:102:3: error: the probe checks port 9090, and workload service1 exposes only port 8080`, nil},
	{"two workloads on one host and path", `port:     9000`, "port:     9000\n\t\thost: \"service1.qa.example.com\"",
		`bad.cue:113:9: error: workload service2 serves service1.qa.example.com/, which workload service1 serves already`, nil},
	{"a drain delay longer than the stop", `terminationGracePeriodSeconds: 60`, `terminationGracePeriodSeconds: 60, preStopSeconds: 90`,
		`bad.cue:136:54: error: workload postgres waits 90s before stopping but may take only 60s in all`, nil},
	{"an allowFrom naming an unknown workload", `allowFrom: ["service1", "migrate"]`, `allowFrom: ["service3", "migrate"]`,
		`bad.cue:127:15: error: allowFrom names "service3", which is neither another workload of the environment nor a running add-on`, nil},
	{"an unknown add-on in allowFrom", `allowFrom: ["service1", "migrate"]`, `allowFrom: ["service1", "migrate", "kube-prometheus"]`,
		`bad.cue:127:38: error: allowFrom names "kube-prometheus", which is neither another workload of the environment nor a running add-on`, nil},
	{"an unknown namespace in egress", `egress: ["internet"] // calls a partner's API`, `egress: ["internet", "monitoring/prometheus"]`,
		`bad.cue:114:24: error: egress names namespace "monitoring", which is not one of the cluster's: qa, kube-system, aws-load-balancer-controller, aws-node-termination-handler, cluster-autoscaler, descheduler, external-dns, external-secrets, fluent-bit, grafana, headlamp, keda, metrics-server, nginx-ingress, newrelic`, nil},
	{"a literal secret in envFrom", `egress: ["internet"] // calls a partner's API`, "egress: [\"internet\"]\n\t\tenvFrom: [{configMap: \"AKIAIOSFODNN7EXAMPLE\"}]",
		`bad.cue:115:25: error: workloads.service2.envFrom.0.configMap: invalid value "AKIAIOSF…[redacted]" (not a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63 characters)`, nil},
	{"two files on one ConfigMap key", `files: "/etc/service1/config.yaml": "listen: :8080\nlog: json\n"`,
		`files: {"/etc/service1/config.yaml": "a", "/etc/service1_config.yaml": "b"}`,
		`bad.cue:103:74: error: files /etc/service1/config.yaml and /etc/service1_config.yaml would share the ConfigMap key etc_service1_config.yaml`, nil},
	{"a node group with no node in the stateful workload's zone", `capacity: "on-demand"
		perZone: {min: 1, desired: 2`, `capacity: "on-demand"
		zones: ["eu-west-1b", "eu-west-1c"]
		perZone: {min: 1, desired: 2`,
		`bad.cue:128:13: error: node group app does not run in eu-west-1a, where stateful workload postgres and its volume live`,
		[]string{"stateful: true", "stateful: true\n\t\tnodeGroup: \"app\""}},
	{"a threshold on nodeNotReady", `podMemoryNearLimit: {`, "nodeNotReady: {threshold: 1, window: \"5m\", notify: [\"slack\"]}\n\t\tpodMemoryNearLimit: {",
		`bad.cue:154:29: error: nodeNotReady fires for each node that is not Ready; it takes no threshold`, nil},
	{"delivery by New Relic without alerts.newrelic", "\tnewrelic: {", "\t_newrelic: {",
		`bad.cue:142:1: error: alerts are delivered by New Relic (delivery "newrelic"), and alerts.newrelic is not set`, nil},
	{"an Alertmanager credential as a Terraform variable", `webhookURL: {ssmParameter: "/qa/slack/webhook"}`, `webhookURL: {variable: "slack_webhook"}`,
		`bad.cue:150:49: error: Alertmanager reads the webhookURL of destination slack in the cluster, from SSM; a Terraform variable cannot reach it`,
		[]string{`"fluent-bit": {}`, "\"fluent-bit\": {}\n\t\"kube-prometheus-stack\": {}", "alerts: {\n", "alerts: {\n\tdelivery: \"both\"\n"}},
	{"an ingress without nginx", "\tnginx: {replicas: 2}", "\t// no nginx",
		"bad.cue:82:1: error: the ingress's ALB forwards to nginx through the AWS Load Balancer Controller, and add-on nginx is not enabled", nil},
	{"window not a multiple of the aggregation window", `thresholdPercent: 90, window: "10m"`, `thresholdPercent: 90, window: "10m", aggregationWindow: "3m"`,
		`bad.cue:154:54: error: window 10m is not a multiple of the aggregation window 3m`, nil},
	{"alert threshold out of range", "thresholdPercent: 90,", "thresholdPercent: 150,",
		"bad.cue:154:42: error: alerts.rules.podMemoryNearLimit.thresholdPercent: invalid value 150 (out of bound <=100)", nil},
	{"unknown alert rule kind", "podsFailing: {threshold: 1", "podsCrashing: {threshold: 1",
		"bad.cue:153:3: error: alerts.rules.podsCrashing: field not allowed", nil},
	{"custom PromQL that does not parse", "podsFailing: {threshold: 1, window: \"5m\", severity: \"critical\", notify: [\"slack\", \"opsgenie\"]}",
		"podsFailing: {threshold: 1, window: \"5m\", severity: \"critical\", notify: [\"slack\", \"opsgenie\"]}\n\t\tcustom: oom: {threshold: 0, window: \"5m\", notify: [\"slack\"], nrql: \"FROM K8sContainerSample SELECT count(*) WHERE reason = 'OOMKilled'\", promql: \"sum(kube_pod_container_status_last_terminated_reason{reason=\\\"OOMKilled\\\"}\"}",
		`bad.cue:154:148: error: promql of rule oom does not parse: 1:73: parse error: unclosed left parenthesis`, nil},
	{"a literal New Relic API key in an SSM field", `apiKey: {ssmParameter: "/qa/newrelic/api-key"}`, `apiKey: {ssmParameter: "NRAK-ABCDEFGHIJKLMNOPQRSTUVWXYZ0"}`,
		`bad.cue:145:26: error: alerts.newrelic.apiKey.ssmParameter: invalid value "NRAK-ABC…[redacted]" (not an SSM parameter name such as /qa/newrelic/api-key)`, nil},
	{"tag keys that differ only in case", `costCenter: "eng-42"`, `costCenter: "eng-42", CostCenter: "eng-43"`,
		`bad.cue:14:14: error: tag "costCenter" collides with tag "CostCenter": AWS compares tag keys without case`, nil},
	{"a tag that would overwrite Name", `team:       "platform"`, `team:       "platform", Name: "x"`,
		`bad.cue:13:32: error: tag "Name" would overwrite the Name kuberatorc gives each resource`, nil},
	{"a secret pasted into a workload's env", `resources: {cpu: "100m", memory: "128Mi"}
		egress:`,
		`resources: {cpu: "100m", memory: "128Mi"}, env: SLACK: "https://hooks.slack.com/services/T0/B0/abcdef"
		egress:`,
		`bad.cue:113:58: error: "https://…" looks like a Slack webhook URL; a spec holds references to secrets, never the secrets`, nil},
	{"a backend bucket name with capitals", `bucket: "example-platform-terraform-state"`, `bucket: "Example_State"`,
		`bad.cue:159:33: error: terraform.backend.s3.bucket: invalid value "Example_State" (not an S3 bucket name: 3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit)`, nil},
	{"a backend bucket name shaped like an IP address", `bucket: "example-platform-terraform-state"`, `bucket: "192.168.5.4"`,
		`bad.cue:159:33: error: "192.168.5.4" is not a valid S3 bucket name: it is formatted as an IP address`, nil},
	{"an access entry that is not an IAM principal", `role/developers", policy: "view"`, `role/developers", policy: "view"}, {principal: "arn:aws:sts::123456789012:assumed-role/admins/alice", policy: "view"`,
		`bad.cue:167:88: error: access.3.principal: invalid value "arn:aws:sts::123456789012:assumed-role/admins/alice" (not an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admins)`, nil},
	{"clusterAdmin limited to namespaces", `policy: "clusterAdmin"}`, `policy: "clusterAdmin", namespaces: ["qa"]}`,
		`bad.cue:165:88: error: clusterAdmin (AmazonEKSClusterAdminPolicy) applies to the whole cluster; it cannot be limited to namespaces`, nil},
	{"a log retention CloudWatch does not offer", `terraform: backend:`, "cluster: logRetentionDays: 100\nterraform: backend:",
		`bad.cue:159:28: error: cluster.logRetentionDays: invalid value 100 (must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)`, nil},
	{"the same policy twice for one principal", `role/developers", policy: "view"},`, `role/developers", policy: "view"}, {principal: "arn:aws:iam::123456789012:role/developers", policy: "view"},`,
		`bad.cue:167:76: error: arn:aws:iam::123456789012:role/developers is given view twice`, nil},
	{"a refresh that drops every zone's system nodes to zero", "perZone: {min: 1, desired: 1, max: 2}",
		"perZone: {min: 1, desired: 1, max: 2}, instanceRefresh: {minHealthyPercentage: 90, maxHealthyPercentage: 100}",
		"bad.cue:53:82: error: instance refresh of every group: no replica of coredns runs, so the cluster loses its DNS: 2 of 2 wait for new nodes\n" +
			"\thint: keep minHealthyPercentage at 100 (the default), so each replacement launches before its node is terminated", nil},
	{"a system tier that a zone loss empties", "perZone: {min: 1, desired: 1, max: 2}",
		`perZone: {min: 1, desired: 1, max: 2}, zones: ["eu-west-1a"]`,
		"bad.cue:53:42: error: zone eu-west-1a lost: no replica of nginx/controller runs, so the cluster loses its ingress: 2 of 2 wait for new nodes\n" +
			"\thint: run the system node groups in at least two zones, with room for every system pod in the others", nil},
	{"a maximum healthy share too far above the minimum", "perZone: {min: 1, desired: 1, max: 2}",
		"perZone: {min: 1, desired: 1, max: 2}, instanceRefresh: {minHealthyPercentage: 50, maxHealthyPercentage: 200}",
		"bad.cue:53:108: error: maxHealthyPercentage 200 is more than 100 above minHealthyPercentage 50, which AWS refuses when the refresh starts", nil},
	{"a workload with AWS permissions and no path to them", `natGateways: "perZone"`,
		`natGateways: "perZone", awsAPI: "endpoints", endpoints: ["sts"]`,
		"bad.cue:121:8: error: workload service2 has managed policies, whose services kuberatorc cannot see, and reaches AWS only through endpoints\n" +
			"\thint: write the actions in aws.statements, so the services they call are known, or set network.awsAPI: \"public\"", nil},
	{"a workload that calls a service with no endpoint", `natGateways: "perZone"`,
		`natGateways: "perZone", awsAPI: "endpoints", endpoints: ["sts"]`,
		"bad.cue:121:3: error: workload service2 calls sqs, and reaches AWS only through the VPC's interface endpoints, which have none for it: it could never reach it\n" +
			"\thint: add \"sqs\" to network.endpoints, or set network.awsAPI: \"public\"",
		[]string{`aws: managedPolicies: ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"]`, `aws: statements: [{actions: ["sqs:ReceiveMessage"], resources: ["*"]}]`}},
	{"nginx on a Kubernetes without the sleep lifecycle action", `version: "1.33"`, `version: "1.29"`,
		"bad.cue:33:11: error: add-on nginx: the catalog's values need Kubernetes 1.30 or later, and the cluster runs 1.29\n\thint: upgrade the cluster to 1.30 or later first", nil},
	{"CoreDNS with one replica", `version: "1.33"`, `version: "1.33", coreDNS: minReplicas: 1`,
		"bad.cue:33:41: error: CoreDNS with 1 replica stops resolving names whenever its node goes (a refresh, a scale-in, a spot reclaim)", nil},
	{"an instance refresh keeping more than all nodes healthy", "perZone: {min: 1, desired: 1, max: 2}", "perZone: {min: 1, desired: 1, max: 2}, instanceRefresh: minHealthyPercentage: 110",
		"bad.cue:53:81: error: nodeGroups.system.instanceRefresh.minHealthyPercentage: invalid value 110 (out of bound <=100)", nil},
	{"a workload named kustomization", "\tservice2: {", "\tkustomization: {image: \"ghcr.io/example/k:1.0.0\", port: 8080, resources: {cpu: \"100m\", memory: \"128Mi\"}}\n\tservice2: {",
		"bad.cue:109:2: error: a workload may not be named kustomization: its directory's kustomization.yaml would hold its objects\n\thint: rename the workload", nil},
}

// TestBadSpecs runs `build` on each broken spec: exit code 1, the exact
// diagnostic, and an output directory left exactly as it was.
func TestBadSpecs(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range badSpecs {
		t.Run(tc.name, func(t *testing.T) {
			if n := strings.Count(string(qa), tc.old); n != 1 {
				t.Fatalf("%q occurs %d times in qa.cue, want once", tc.old, n)
			}
			dir := t.TempDir()
			t.Chdir(dir)
			if code := run([]string{"build", testutil.ExamplePath("qa"), "-o", "out"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
				t.Fatalf("seeding the output with qa: exit %d", code)
			}
			if err := os.WriteFile("out/README.md", []byte("ours"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := tree(t, "out")
			spec := strings.Replace(string(qa), tc.old, tc.new, 1)
			for i := 0; i+1 < len(tc.more); i += 2 {
				spec = strings.Replace(spec, tc.more[i], tc.more[i+1], 1)
			}
			if err := os.WriteFile("bad.cue", []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"build", "bad.cue", "-o", "out"}, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1\nstderr:\n%s", code, stderr.String())
			}
			first, _, _ := strings.Cut(stderr.String(), "\n")
			if !strings.Contains(stderr.String(), tc.want+"\n") {
				t.Errorf("diagnostics lack\n\t%s\ngot:\n%s(first line: %s)", tc.want, stderr.String(), first)
			}
			if diff := cmp.Diff(before, tree(t, "out")); diff != "" {
				t.Errorf("a failing build changed the output directory:\n%s", diff)
			}
		})
	}
}

// With enough workloads to be evaluated in parts, one per core, every bad
// spec fails with the same diagnostics as when it is evaluated whole (one
// core), whether the parts report them or the whole does.
func TestBadSpecsInPartsFailAsWhole(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	vet := func(procs int, path string) (int, string) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var stderr bytes.Buffer
		code := run([]string{"vet", path}, &bytes.Buffer{}, &stderr)
		return code, stderr.String()
	}
	dir := t.TempDir()
	for _, tc := range badSpecs {
		t.Run(tc.name, func(t *testing.T) {
			spec := strings.Replace(string(qa), tc.old, tc.new, 1)
			for i := 0; i+1 < len(tc.more); i += 2 {
				spec = strings.Replace(spec, tc.more[i], tc.more[i+1], 1)
			}
			// 64 more: two parts of at least 32 workloads.
			path := filepath.Join(dir, "bad.cue")
			if err := os.WriteFile(path, testutil.ScaleSpec([]byte(spec), "qa.example.com", 64), 0o644); err != nil {
				t.Fatal(err)
			}
			wholeCode, whole := vet(1, path)
			partsCode, parts := vet(2, path)
			if wholeCode != 1 || partsCode != wholeCode {
				t.Errorf("exit %d whole, %d in parts; want 1", wholeCode, partsCode)
			}
			if diff := cmp.Diff(whole, parts); diff != "" {
				t.Errorf("in parts, the diagnostics differ (-whole +parts):\n%s", diff)
			}
		})
	}
}

// TestSeveralErrorsInOneRun: every problem is reported at once, sorted by position.
func TestSeveralErrorsInOneRun(t *testing.T) {
	qa, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.NewReplacer(`"eu-west-1c"]`, `"eu-central-1c"]`, "grafana: {}", "grafanna: {}",
		`notify: ["slack"]`, `notify: ["slak"]`).Replace(string(qa))
	path := filepath.Join(t.TempDir(), "multi.cue")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"vet", path}, &bytes.Buffer{}, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var got []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ": error: ") {
			got = append(got, strings.TrimPrefix(line, path))
		}
	}
	want := []string{
		`:19:38: error: zone "eu-central-1c" is not in region eu-west-1`,
		`:72:2: error: unknown add-on "grafanna"`,
		`:154:91: error: destination "slak" is not defined in alerts.destinations`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
