// Package preflight checks, read-only, that an AWS account holds what an
// environment's first apply needs (plan.Prerequisites): the state bucket,
// the SSM parameters and Secrets Manager secrets, the ACM certificate and
// the hosted zones. It never reads a secret's value: parameters are looked
// up with DescribeParameters, secrets with DescribeSecret.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// The calls preflight makes, one interface per service: only these, and
// none that returns a secret's value (GetParameter with decryption,
// GetSecretValue), so a test of it can fake exactly this surface.
type (
	STS interface {
		GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
	S3 interface {
		HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
		GetBucketVersioning(context.Context, *s3.GetBucketVersioningInput, ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
		GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	}
	SSM interface {
		DescribeParameters(context.Context, *ssm.DescribeParametersInput, ...func(*ssm.Options)) (*ssm.DescribeParametersOutput, error)
	}
	SecretsManager interface {
		DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	}
	ACM interface {
		DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
	}
	Route53 interface {
		GetHostedZone(context.Context, *route53.GetHostedZoneInput, ...func(*route53.Options)) (*route53.GetHostedZoneOutput, error)
	}
)

// Clients are the services of one region of one account.
type Clients struct {
	STS            STS
	S3             S3
	SSM            SSM
	SecretsManager SecretsManager
	ACM            ACM
	Route53        Route53
}

// NewClients makes the clients from an SDK configuration (credentials,
// region, the AWS_ENDPOINT_URL override). S3 addresses buckets by path
// when an endpoint is overridden: an emulator on loopback has no
// per-bucket host names.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		STS: sts.NewFromConfig(cfg),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = o.BaseEndpoint != nil
		}),
		SSM:            ssm.NewFromConfig(cfg),
		SecretsManager: secretsmanager.NewFromConfig(cfg),
		ACM:            acm.NewFromConfig(cfg),
		Route53:        route53.NewFromConfig(cfg),
	}
}

// Finding is one prerequisite as the account holds it.
type Finding struct {
	plan.Prerequisite
	// Problem is what is wrong, "" when it is there as it should be.
	Problem string
	// Detail says what was found when all is well.
	Detail string
	// Create is the aws CLI that makes a missing item, with placeholder
	// values; "" when it cannot be created that simply.
	Create []string
}

// Check looks up each prerequisite of env. The error is for what stops
// the check itself: no credentials, another account, an API refusing.
func Check(ctx context.Context, c Clients, env *model.Environment) ([]Finding, error) {
	id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("reading the caller's identity: %w", err)
	}
	if got := aws.ToString(id.Account); got != env.AWS.AccountID {
		return nil, fmt.Errorf("the credentials are for account %s, but environment %s is in account %s; use that account's credentials (AWS_PROFILE)", got, env.Name, env.AWS.AccountID)
	}
	var out []Finding
	for _, r := range plan.Prerequisites(env) {
		f := Finding{Prerequisite: r}
		var err error
		switch r.Kind {
		case plan.StateBucket:
			err = c.stateBucket(ctx, &f)
		case plan.SSMParameter:
			err = c.parameter(ctx, &f)
		case plan.SecretsSecret:
			err = c.secret(ctx, &f)
		case plan.Certificate:
			err = c.certificate(ctx, env, &f)
		case plan.HostedZone:
			err = c.hostedZone(ctx, &f)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Kind, r.Name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// notFound reports whether an API error says the thing does not exist.
func notFound(err error, codes ...string) bool {
	var api smithy.APIError
	return errors.As(err, &api) && slices.Contains(codes, api.ErrorCode())
}

func (c Clients) stateBucket(ctx context.Context, f *Finding) error {
	bucket := aws.String(f.Name)
	inRegion := func(o *s3.Options) { o.Region = f.Region }
	create := []string{
		fmt.Sprintf("aws s3api create-bucket --region %s --bucket %s --create-bucket-configuration LocationConstraint=%s", f.Region, f.Name, f.Region),
		fmt.Sprintf("aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled", f.Name),
		fmt.Sprintf("aws s3api put-bucket-encryption --bucket %s --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\"}}]}'", f.Name),
	}
	if f.Region == "us-east-1" {
		create[0] = fmt.Sprintf("aws s3api create-bucket --region us-east-1 --bucket %s", f.Name)
	}
	if _, err := c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket}, inRegion); err != nil {
		if notFound(err, "NotFound", "NoSuchBucket", "404") {
			f.Problem, f.Create = "missing", create
			return nil
		}
		return err
	}
	v, err := c.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket}, inRegion)
	if err != nil {
		return err
	}
	var problems []string
	if v.Status != "Enabled" {
		problems = append(problems, "versioning is off: a bad apply cannot be rolled back to the last state")
		f.Create = append(f.Create, create[1])
	}
	enc, err := c.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket}, inRegion)
	algorithm := ""
	switch {
	case notFound(err, "ServerSideEncryptionConfigurationNotFoundError"):
	case err != nil:
		return err
	case enc.ServerSideEncryptionConfiguration != nil && len(enc.ServerSideEncryptionConfiguration.Rules) > 0:
		if d := enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; d != nil {
			algorithm = string(d.SSEAlgorithm)
		}
	}
	if algorithm == "" {
		problems = append(problems, "no default encryption: the state holds secrets")
		f.Create = append(f.Create, create[2])
	}
	f.Problem = strings.Join(problems, "; ")
	f.Detail = "versioning on, encrypted (" + algorithm + ")"
	return nil
}

func (c Clients) parameter(ctx context.Context, f *Finding) error {
	out, err := c.SSM.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("Name"), Option: aws.String("Equals"), Values: []string{f.Name}},
	}})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(out.Parameters, func(p ssmtypes.ParameterMetadata) bool { return aws.ToString(p.Name) == f.Name })
	if i < 0 {
		f.Problem = "missing"
		f.Create = []string{fmt.Sprintf("aws ssm put-parameter --region %s --name %s --type SecureString --value 'REPLACE_ME'", f.Region, f.Name)}
		return nil
	}
	f.Detail = string(out.Parameters[i].Type)
	if out.Parameters[i].Type != ssmtypes.ParameterTypeSecureString {
		f.Problem = fmt.Sprintf("a %s parameter: a secret belongs in a SecureString, encrypted with KMS", out.Parameters[i].Type)
	}
	return nil
}

func (c Clients) secret(ctx context.Context, f *Finding) error {
	out, err := c.SecretsManager.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(f.Name)})
	var gone *smtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &gone):
		f.Problem = "missing"
		value := "REPLACE_ME"
		if f.Property != "" {
			value = fmt.Sprintf(`{"%s":"REPLACE_ME"}`, f.Property)
		}
		f.Create = []string{fmt.Sprintf("aws secretsmanager create-secret --region %s --name %s --secret-string '%s'", f.Region, f.Name, value)}
		return nil
	case err != nil:
		return err
	case out.DeletedDate != nil:
		f.Problem = "scheduled for deletion: restore it (aws secretsmanager restore-secret --secret-id " + f.Name + ")"
		return nil
	}
	f.Detail = "exists"
	return nil
}

func (c Clients) certificate(ctx context.Context, env *model.Environment, f *Finding) error {
	create := []string{fmt.Sprintf("aws acm request-certificate --region %s --validation-method DNS --domain-name %s%s",
		env.AWS.Region, f.Hosts[0], sansFlag(f.Hosts[1:]))}
	if arn := strings.Split(f.Name, ":"); len(arn) > 4 && (arn[3] != env.AWS.Region || arn[4] != env.AWS.AccountID) {
		f.Problem = fmt.Sprintf("in %s of account %s, but the ALB is in %s of account %s", arn[3], arn[4], env.AWS.Region, env.AWS.AccountID)
		f.Create = create
		return nil
	}
	out, err := c.ACM.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(f.Name)})
	if notFound(err, "ResourceNotFoundException") {
		f.Problem, f.Create = "missing", create
		return nil
	}
	if err != nil {
		return err
	}
	cert := out.Certificate
	names := append([]string{aws.ToString(cert.DomainName)}, cert.SubjectAlternativeNames...)
	var uncovered []string
	for _, h := range f.Hosts {
		if !slices.ContainsFunc(names, func(n string) bool { return covers(n, h) }) {
			uncovered = append(uncovered, h)
		}
	}
	var problems []string
	if cert.Status != acmtypes.CertificateStatusIssued {
		problems = append(problems, fmt.Sprintf("%s, not ISSUED (complete its DNS validation)", cert.Status))
	}
	if len(uncovered) > 0 {
		problems = append(problems, "does not cover "+strings.Join(uncovered, ", "))
		f.Create = create
	}
	f.Problem = strings.Join(problems, "; ")
	f.Detail = "ISSUED for " + strings.Join(names, ", ")
	return nil
}

func sansFlag(hosts []string) string {
	if len(hosts) == 0 {
		return ""
	}
	return " --subject-alternative-names " + strings.Join(hosts, " ")
}

// covers reports whether a certificate name covers a host: the same name,
// or a wildcard one label above it.
func covers(name, host string) bool {
	name, host = strings.ToLower(name), strings.ToLower(host)
	if name == host {
		return true
	}
	rest, ok := strings.CutPrefix(name, "*.")
	_, parent, found := strings.Cut(host, ".")
	return ok && found && parent == rest
}

func (c Clients) hostedZone(ctx context.Context, f *Finding) error {
	create := []string{fmt.Sprintf("aws route53 create-hosted-zone --name %s --caller-reference kuberatorc-%s  # then put its ID in hostedZones", f.Name, f.Name)}
	out, err := c.Route53.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String(f.ID)})
	if notFound(err, "NoSuchHostedZone") {
		f.Problem, f.Create = "missing: no zone "+f.ID, create
		return nil
	}
	if err != nil {
		return err
	}
	if got := strings.TrimSuffix(aws.ToString(out.HostedZone.Name), "."); got != f.Name {
		f.Problem = fmt.Sprintf("zone %s is %s, not %s: hostedZones names the wrong ID", f.ID, got, f.Name)
		return nil
	}
	f.Detail = "zone " + f.ID
	return nil
}
