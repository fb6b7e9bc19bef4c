package compiler

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		info debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "devel-0123456789ab+dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev[:1]}, "devel-0123456789ab"},
		{debug.BuildInfo{}, "devel"},
	} {
		if got := versionOf(&c.info); got != c.want {
			t.Errorf("versionOf(%v) = %q, want %q", c.info.Main, got, c.want)
		}
	}
}

// TestPinOf: init pins a release tag or a full commit, never a branch, a
// pseudo-version's commit prefix or a modified checkout.
func TestPinOf(t *testing.T) {
	full := "0123456789abcdef0123456789abcdef01234567"
	clean := []debug.BuildSetting{{Key: "vcs.revision", Value: full}}
	dirty := append(clean, debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	for _, c := range []struct {
		info debug.BuildInfo
		want string
		ok   bool
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", true},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261204081500-0123456789ab"}}, "", false},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: clean}, full, true},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty}, "", false},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456"}}}, "", false},
		{debug.BuildInfo{}, "", false},
	} {
		if got, ok := pinOf(&c.info); got != c.want || ok != c.ok {
			t.Errorf("pinOf(%v, %v) = %q, %v; want %q, %v", c.info.Main, c.info.Settings, got, ok, c.want, c.ok)
		}
	}
}

// TestDigestVersionNamesThisBuild: a development build (this test binary)
// vouches for its output by its Go build ID.
func TestDigestVersionNamesThisBuild(t *testing.T) {
	v := DigestVersion()
	if !strings.Contains(v, "+build:") || len(v) < len("devel+build:")+20 {
		t.Fatalf("DigestVersion() = %q, want the version with the executable's build ID", v)
	}
	if id := buildID(); !strings.HasSuffix(v, id) {
		t.Errorf("DigestVersion() = %q does not end with the build ID %q", v, id)
	}
}
