package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/model"
)

func env(vpc string, public, private int, zones ...string) *model.Environment {
	return &model.Environment{
		Name: "t",
		AWS:  model.AWS{Region: "eu-west-1"},
		Network: model.Network{
			VPCCIDR: vpc,
			Zones:   zones,
			Subnets: model.Subnets{Public: model.SubnetSize{PrefixLength: public}, Private: model.SubnetSize{PrefixLength: private}, ControlPlane: model.SubnetSize{PrefixLength: 28}},
		},
	}
}

// withControlPlane gives e's control-plane subnets another prefix length.
func withControlPlane(e *model.Environment, prefix int) *model.Environment {
	e.Network.Subnets.ControlPlane.PrefixLength = prefix
	return e
}

func TestCarveSubnets(t *testing.T) {
	tests := []struct {
		name          string
		env           *model.Environment
		public, priv  []string
		controlPlane  []string
		wantErrPrefix string
	}{
		{
			name:   "qa: private /19s first, then public /22s, zone order",
			env:    env("10.20.0.0/16", 22, 19, "eu-west-1a", "eu-west-1b", "eu-west-1c"),
			priv:   []string{"10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"},
			public: []string{"10.20.96.0/22", "10.20.100.0/22", "10.20.104.0/22"},
			// At the top: adding them moved no subnet of a running cluster.
			controlPlane: []string{"10.20.255.208/28", "10.20.255.224/28", "10.20.255.240/28"},
		},
		{
			name:         "control-plane subnets sit at the top, whatever their size",
			env:          withControlPlane(env("10.0.0.0/20", 24, 24, "eu-west-1a"), 23),
			priv:         []string{"10.0.0.0/24"},
			public:       []string{"10.0.1.0/24"},
			controlPlane: []string{"10.0.14.0/23"},
		},
		{
			name:   "larger public subnets are laid out first",
			env:    env("10.0.0.0/20", 22, 24, "eu-west-1a", "eu-west-1b"),
			public: []string{"10.0.0.0/22", "10.0.4.0/22"},
			priv:   []string{"10.0.8.0/24", "10.0.9.0/24"},
		},
		{
			name:   "a VPC CIDR with host bits is masked",
			env:    env("10.1.2.3/16", 24, 20, "eu-west-1a", "eu-west-1b"),
			priv:   []string{"10.1.0.0/20", "10.1.16.0/20"},
			public: []string{"10.1.32.0/24", "10.1.33.0/24"},
		},
		{
			name:         "exactly full is fine",
			env:          withControlPlane(env("10.0.0.0/24", 26, 25, "eu-west-1a"), 26),
			priv:         []string{"10.0.0.0/25"},
			public:       []string{"10.0.0.128/26"},
			controlPlane: []string{"10.0.0.192/26"},
		},
		{
			name:          "one block more is not",
			env:           withControlPlane(env("10.0.0.0/24", 26, 25, "eu-west-1a"), 25),
			wantErrPrefix: "network.vpcCIDR: VPC 10.0.0.0/24 cannot hold 1 private /25, 1 public /26 and 1 control-plane /25 subnets (320 addresses needed, 256 available)",
		},
		{
			name:          "private and public subnets that fill the VPC leave no room",
			env:           env("10.0.0.0/18", 20, 19, "eu-west-1a", "eu-west-1b"),
			wantErrPrefix: "network.vpcCIDR: VPC 10.0.0.0/18 cannot hold 2 private /19, 2 public /20 and 2 control-plane /28 subnets",
		},
		{
			name:          "control-plane subnet larger than the VPC",
			env:           withControlPlane(env("10.0.0.0/20", 24, 24, "eu-west-1a"), 19),
			wantErrPrefix: "network.subnets.controlPlane.prefixLength: a /19 controlPlane subnet is larger than the VPC 10.0.0.0/20",
		},
		{
			name:          "subnet larger than the VPC",
			env:           env("10.0.0.0/20", 24, 19, "eu-west-1a", "eu-west-1b"),
			wantErrPrefix: "network.subnets.private.prefixLength: a /19 private subnet is larger than the VPC 10.0.0.0/20",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			zones, err := carveSubnets(tc.env)
			if tc.wantErrPrefix != "" {
				if err == nil || len(err.Error()) < len(tc.wantErrPrefix) || err.Error()[:len(tc.wantErrPrefix)] != tc.wantErrPrefix {
					t.Fatalf("error = %v, want prefix %q", err, tc.wantErrPrefix)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var public, priv, controlPlane []string
			for _, z := range zones {
				public = append(public, z.PublicCIDR)
				priv = append(priv, z.PrivateCIDR)
				controlPlane = append(controlPlane, z.ControlPlaneCIDR)
			}
			if tc.controlPlane != nil {
				if diff := cmp.Diff(tc.controlPlane, controlPlane); diff != "" {
					t.Errorf("control plane (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tc.public, public); diff != "" {
				t.Errorf("public (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.priv, priv); diff != "" {
				t.Errorf("private (-want +got):\n%s", diff)
			}
		})
	}
}

// TestControlPlaneSubnetsStay: turning VPC endpoints on or off, or
// resizing their subnets, moves no control-plane subnet. Terraform cannot
// move one: it would delete a subnet the cluster's interfaces are in.
func TestControlPlaneSubnetsStay(t *testing.T) {
	cidrs := func(endpoints []string, prefix int) []string {
		e := env("10.20.0.0/16", 22, 19, "eu-west-1a", "eu-west-1b", "eu-west-1c")
		e.Network.Endpoints = endpoints
		e.Network.Subnets.Endpoints.PrefixLength = prefix
		zones, err := carveSubnets(e)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, z := range zones {
			out = append(out, z.ControlPlaneCIDR)
		}
		return out
	}
	without := cidrs(nil, 28)
	for _, c := range []struct {
		endpoints []string
		prefix    int
	}{{[]string{"sts"}, 28}, {[]string{"sts", "ssm", "ecr"}, 24}} {
		if d := cmp.Diff(without, cidrs(c.endpoints, c.prefix)); d != "" {
			t.Errorf("endpoints %v /%d move the control-plane subnets (-without +with):\n%s", c.endpoints, c.prefix, d)
		}
	}
}

func TestArch(t *testing.T) {
	for types, want := range map[string]string{
		"m6i.large": "x86_64", "m5.xlarge": "x86_64", "c5n.2xlarge": "x86_64", "m7i-flex.large": "x86_64",
		"g5.xlarge": "x86_64", "m6a.large": "x86_64", "t3.medium": "x86_64",
		"m7g.large": "arm64", "c7gn.xlarge": "arm64", "r6gd.large": "arm64", "t4g.small": "arm64", "im4gn.large": "arm64",
	} {
		got, err := Arch([]string{types})
		if err != nil || got != want {
			t.Errorf("Arch(%s) = %q, %v; want %q", types, got, err, want)
		}
	}
	if _, err := Arch([]string{"m6i.large", "m7g.large"}); err == nil {
		t.Error("mixing x86_64 and arm64 is not an error")
	}
}

func TestShortZone(t *testing.T) {
	for _, tc := range [][3]string{
		{"eu-west-1", "eu-west-1a", "1a"},
		{"us-east-1", "us-east-1c", "1c"},
		{"ap-southeast-2", "ap-southeast-2b", "2b"},
		{"us-gov-west-1", "us-gov-west-1a", "1a"},
	} {
		if got := ShortZone(tc[0], tc[1]); got != tc[2] {
			t.Errorf("ShortZone(%s, %s) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}
