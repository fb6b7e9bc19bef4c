package compiler

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Version is kuberatorc's own: the module version when installed with
// `go install …@vX`, else the VCS revision it was built from (with
// "+dirty" when the checkout had changes), else "devel".
var Version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(info)
})

func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "devel-" + rev
	if settings["vcs.modified"] == "true" {
		v += "+dirty"
	}
	return v
}

// Pin is what a repository should install to run this kuberatorc, as a
// git ref: its release tag, or the full commit it was built from. A
// pseudo-version names only a prefix of a commit, and a modified checkout
// no commit at all; for those, and a build that records neither, ok is
// false.
func Pin() (ref string, ok bool) {
	info, found := debug.ReadBuildInfo()
	if !found {
		return "", false
	}
	return pinOf(info)
}

func pinOf(info *debug.BuildInfo) (string, bool) {
	if v := info.Main.Version; semver.IsValid(v) && !module.IsPseudoVersion(v) {
		return v, true
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; len(rev) == 40 && settings["vcs.modified"] != "true" {
		return rev, true
	}
	return "", false
}

// DigestVersion names this generator's code for the input digest: its
// version when that names one build (a release, a clean commit), else the
// version with the executable's Go build ID, which changes whenever the
// binary's code does (a modified checkout, go run, a test binary). It is
// "" when neither is known, and the generator cannot vouch for its output.
var DigestVersion = sync.OnceValue(func() string {
	v := Version()
	if v != "devel" && !strings.HasSuffix(v, "+dirty") {
		return v
	}
	if id := buildID(); id != "" {
		return v + "+build:" + id
	}
	return ""
})

// buildID reads the Go build ID from the running executable's ELF note:
// a few hundred bytes, not the binary.
func buildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	// The note: name size, desc size, type, "Go\x00\x00", then the ID.
	if err != nil || len(data) < 16 {
		return ""
	}
	descSize := binary.LittleEndian.Uint32(data[4:8])
	if int(16+descSize) > len(data) {
		return ""
	}
	return string(data[16 : 16+descSize])
}
