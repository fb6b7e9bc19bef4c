package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"strings"

	"github.com/kuberator/kuberator/compiler/load"
)

// inputDigest hashes what an environment's files are generated from: the
// generator's version, its embedded schema and catalogs, and the spec's
// bytes in order (never its paths, which differ by invocation). It is ""
// for a generator that cannot name its own code: a development build
// without a VCS revision, or a modified checkout, where the same version
// string may stand for different emitters.
func inputDigest(srcs []load.Source, version string) string {
	if version == "devel" || strings.HasSuffix(version, "+dirty") {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "kuberatorc %s\x00", version)
	for _, fsys := range load.Library {
		hashFS(h, fsys)
	}
	for _, s := range srcs {
		fmt.Fprintf(h, "%d\x00", len(s.Data))
		h.Write(s.Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func hashFS(h hash.Hash, fsys fs.FS) {
	names, _ := fs.Glob(fsys, "*.cue")
	for _, name := range names {
		data, _ := fs.ReadFile(fsys, name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
}
