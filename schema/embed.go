// Package schema holds the CUE definition of an environment spec, #Environment,
// embedded so that a spec file needs no imports and no cue.mod.
package schema

import "embed"

// FS holds the schema's CUE files (package kuberator).
//
//go:embed *.cue
var FS embed.FS
