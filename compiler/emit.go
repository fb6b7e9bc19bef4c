package compiler

import (
	"fmt"

	"github.com/kuberator/kuberator/emitters/k8s"
	"github.com/kuberator/kuberator/emitters/newrelic"
	"github.com/kuberator/kuberator/emitters/terraform"
)

// Emit runs the emitters over a result compiled with VetOnly, filling its
// files.
func Emit(res *Result) error {
	files, err := terraform.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("terraform emitter: %w", err)
	}
	res.Files.Merge(files)
	files, err = k8s.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("kubernetes emitter: %w", err)
	}
	res.Files.Merge(files)
	files, err = newrelic.Emit(res.Env, res.Plan)
	if err != nil {
		return fmt.Errorf("newrelic emitter: %w", err)
	}
	res.Files.Merge(files)
	return nil
}
