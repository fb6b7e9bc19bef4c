// Package stdlib holds the CUE data the schema draws its defaults and catalogs
// from: kubelet protection defaults and the add-on catalog.
package stdlib

import "embed"

// FS holds the stdlib's CUE files (package kuberator, unified with the schema).
//
//go:embed *.cue
var FS embed.FS
