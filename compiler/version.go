package compiler

import (
	"runtime/debug"
	"sync"
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
