package tfjson

import "github.com/kuberator/kuberator/compiler/model"

// AWSProviderVersion is valid for every provider release whose arguments the
// emitters use: 5.100 (the oldest tested) up to, not including, 7.0. Both
// modules pin it: the New Relic module reads SSM parameters through it.
const AWSProviderVersion = ">= 5.100, < 7.0"

// Backend is the terraform block of one module of an environment: the
// required Terraform and providers, and, when the spec names one, the S3
// backend with S3-native locking (use_lockfile, Terraform >= 1.11) and
// encryption, at the module's own key.
func Backend(env *model.Environment, module string, providers Obj) Obj {
	t := Obj{"required_version": ">= 1.11.0", "required_providers": providers}
	b := env.Terraform.Backend
	if b == nil {
		return t
	}
	s3 := Obj{
		"bucket":       b.S3.Bucket,
		"key":          env.StateKey(module),
		"region":       env.AWS.Region,
		"encrypt":      true,
		"use_lockfile": true,
	}
	if b.S3.Region != "" {
		s3["region"] = b.S3.Region
	}
	if b.S3.KMSKeyARN != "" {
		s3["kms_key_id"] = b.S3.KMSKeyARN
	}
	t["backend"] = Obj{"s3": s3}
	return t
}
