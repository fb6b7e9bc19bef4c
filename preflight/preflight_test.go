package preflight

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/internal/testutil"
)

// account is a recording fake of the SDK clients preflight uses, stated
// as such: it answers from the maps below and records every operation
// called, so the test sees exactly what preflight asks AWS.
type account struct {
	id         string
	calls      []string
	parameters map[string]ssmtypes.ParameterType
	secrets    map[string]bool
	cert       *acmtypes.CertificateDetail
	zones      map[string]string // ID → name, with the trailing dot
	bucket     bool
}

func (a *account) record(op string) { a.calls = append(a.calls, op) }

func (a *account) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	a.record("sts:GetCallerIdentity")
	return &sts.GetCallerIdentityOutput{Account: aws.String(a.id)}, nil
}

func (a *account) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	a.record("s3:HeadBucket")
	if !a.bucket {
		return nil, &smithy.GenericAPIError{Code: "NotFound"}
	}
	return &s3.HeadBucketOutput{}, nil
}

func (a *account) GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	a.record("s3:GetBucketVersioning")
	return &s3.GetBucketVersioningOutput{Status: s3types.BucketVersioningStatusEnabled}, nil
}

func (a *account) GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	a.record("s3:GetBucketEncryption")
	return nil, &smithy.GenericAPIError{Code: "ServerSideEncryptionConfigurationNotFoundError"}
}

func (a *account) DescribeParameters(_ context.Context, in *ssm.DescribeParametersInput, _ ...func(*ssm.Options)) (*ssm.DescribeParametersOutput, error) {
	a.record("ssm:DescribeParameters")
	out := &ssm.DescribeParametersOutput{}
	for _, f := range in.ParameterFilters {
		for _, name := range f.Values {
			if typ, ok := a.parameters[name]; ok {
				out.Parameters = append(out.Parameters, ssmtypes.ParameterMetadata{Name: aws.String(name), Type: typ})
			}
		}
	}
	return out, nil
}

func (a *account) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	a.record("secretsmanager:DescribeSecret")
	if !a.secrets[aws.ToString(in.SecretId)] {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("no such secret")}
	}
	return &secretsmanager.DescribeSecretOutput{Name: in.SecretId}, nil
}

func (a *account) DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error) {
	a.record("acm:DescribeCertificate")
	if a.cert == nil {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}
	}
	return &acm.DescribeCertificateOutput{Certificate: a.cert}, nil
}

func (a *account) GetHostedZone(_ context.Context, in *route53.GetHostedZoneInput, _ ...func(*route53.Options)) (*route53.GetHostedZoneOutput, error) {
	a.record("route53:GetHostedZone")
	name, ok := a.zones[aws.ToString(in.Id)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchHostedZone"}
	}
	return &route53.GetHostedZoneOutput{HostedZone: &r53types.HostedZone{Id: in.Id, Name: aws.String(name)}}, nil
}

func (a *account) clients() Clients {
	return Clients{STS: a, S3: a, SSM: a, SecretsManager: a, ACM: a, Route53: a}
}

// TestCheckReadsNoSecret: preflight finds what is missing or wrong in an
// account, and the only operations it calls are the read-only lookups
// above; none returns a secret's value.
func TestCheckReadsNoSecret(t *testing.T) {
	env := testutil.CompileExample(t, "qa").Env
	a := &account{
		id:     "123456789012",
		bucket: true,
		parameters: map[string]ssmtypes.ParameterType{
			"/qa/newrelic/api-key":     ssmtypes.ParameterTypeSecureString,
			"/qa/newrelic/license-key": ssmtypes.ParameterTypeSecureString,
			"/qa/slack/webhook":        ssmtypes.ParameterTypeString,
		},
		secrets: map[string]bool{"qa/service1/database": true},
		cert: &acmtypes.CertificateDetail{DomainName: aws.String("*.qa.example.com"),
			SubjectAlternativeNames: []string{"test-k8.qa.example.com"}, Status: acmtypes.CertificateStatusIssued},
		zones: map[string]string{"Z0123456789QAEXAMPLE": "qa.example.com."},
	}
	findings, err := Check(context.Background(), a.clients(), env)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range findings {
		got[f.Kind+" "+f.Name] = f.Problem
	}
	want := map[string]string{
		"state bucket example-platform-terraform-state": "no default encryption: the state holds secrets",
		"SSM parameter /qa/newrelic/api-key":            "",
		"SSM parameter /qa/newrelic/license-key":        "",
		"SSM parameter /qa/opsgenie/api-key":            "missing",
		"SSM parameter /qa/slack/webhook":               "a String parameter: a secret belongs in a SecureString, encrypted with KMS",
		"SSM parameter /qa/postgres/password":           "missing",
		"SSM parameter /qa/service2/partner-token":      "missing",
		"Secrets Manager secret qa/service1/database":   "",
		"ACM certificate " + env.Ingress.CertificateARN: "",
		"hosted zone qa.example.com":                    "",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	allowed := []string{"sts:GetCallerIdentity", "s3:HeadBucket", "s3:GetBucketVersioning", "s3:GetBucketEncryption",
		"ssm:DescribeParameters", "secretsmanager:DescribeSecret", "acm:DescribeCertificate", "route53:GetHostedZone"}
	for _, op := range a.calls {
		if !slices.Contains(allowed, op) {
			t.Errorf("preflight called %s, which is not a read-only lookup", op)
		}
	}
	if n := strings.Count(strings.Join(a.calls, " "), "ssm:DescribeParameters"); n != 6 {
		t.Errorf("DescribeParameters called %d times, want once per SSM parameter (6)", n)
	}
	for _, f := range findings {
		if f.Name == "/qa/opsgenie/api-key" && (len(f.Create) != 1 || !strings.Contains(f.Create[0], "aws ssm put-parameter --region eu-west-1 --name /qa/opsgenie/api-key --type SecureString --value 'REPLACE_ME'")) {
			t.Errorf("create command for a missing parameter: %q", f.Create)
		}
	}
}

// TestCheckRefusesAnotherAccount: credentials for another account cannot
// say anything about this one.
func TestCheckRefusesAnotherAccount(t *testing.T) {
	env := testutil.CompileExample(t, "qa").Env
	a := &account{id: "210987654321"}
	_, err := Check(context.Background(), a.clients(), env)
	if err == nil || !strings.Contains(err.Error(), "the credentials are for account 210987654321, but environment qa is in account 123456789012") {
		t.Fatalf("another account's credentials: %v", err)
	}
	if len(a.calls) != 1 {
		t.Errorf("it went on after the identity check: %v", a.calls)
	}
}

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		name, host string
		want       bool
	}{
		{"www.example.com", "www.example.com", true},
		{"*.example.com", "www.example.com", true},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "example.com", false},
		{"WWW.example.com", "www.example.com", true},
	} {
		if got := covers(c.name, c.host); got != c.want {
			t.Errorf("covers(%q, %q) = %v", c.name, c.host, got)
		}
	}
}
