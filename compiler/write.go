package compiler

import (
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/outtree"
)

// ManifestName is the file in the output root that records what kuberatorc
// generated there.
const ManifestName = outtree.ManifestName

// Summary says what a write did, path by path.
type Summary = outtree.Summary

// ConflictError is a generated path that exists on disk but was not written
// by kuberatorc.
type ConflictError = outtree.ConflictError

// Write puts the file set under root, confined, crash-safe and serialised
// with any other build of the same directory (see package outtree).
func Write(files fileset.FileSet, root string) (Summary, error) {
	t, err := outtree.Open(root)
	if err != nil {
		return Summary{}, err
	}
	defer t.Close()
	return t.Write(files)
}

// Diff compares the file set with what is under root and returns a unified
// diff that turns the committed files into the generated ones, plus the
// files in generated directories that kuberatorc did not write; it is empty
// when they agree.
func Diff(files fileset.FileSet, root string) (string, error) {
	t, err := outtree.OpenReadOnly(root)
	if err != nil {
		return "", err
	}
	defer t.Close()
	return t.Diff(files)
}
