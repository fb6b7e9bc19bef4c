package cli

import (
	"io"
	"math"
	"runtime/debug"
	"testing"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/load"
)

// kuberatorc sets GOGC and a memory limit in proportion to the spec unless
// the environment sets them, and compiles with the collector off only when
// GOGC is its own and a limit bounds the heap.
func TestGCTuning(t *testing.T) {
	const spec = 100_000
	const limit = 32<<20 + 1024*spec
	percent, was := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(was)
	})
	cases := []struct {
		gogc, memlimit     string
		limit              int64
		percent, compiling int
	}{
		{"", "", limit, gcPercent, -1},
		{"", "1GiB", 1 << 30, gcPercent, -1},
		{"", "off", math.MaxInt64, gcPercent, gcPercent},
		{"50", "", limit, 50, 50},
	}
	for _, tt := range cases {
		t.Setenv("GOGC", tt.gogc)
		t.Setenv("GOMEMLIMIT", tt.memlimit)
		// What the runtime read from the environment at start.
		debug.SetGCPercent(50)
		started := int64(1 << 30)
		if tt.memlimit == "off" {
			started = math.MaxInt64
		}
		debug.SetMemoryLimit(started)
		c := &Common{}
		c.tuneGC(spec)
		if got := debug.SetMemoryLimit(-1); got != tt.limit {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: memory limit %d, want %d", tt.gogc, tt.memlimit, got, tt.limit)
		}
		compiling := 0
		c.withCollectorOff(func() {
			compiling = debug.SetGCPercent(-1)
			debug.SetGCPercent(compiling)
		})
		if compiling != tt.compiling {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: GC percent %d while compiling, want %d", tt.gogc, tt.memlimit, compiling, tt.compiling)
		}
		if got := debug.SetGCPercent(100); got != tt.percent {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: GC percent %d after, want %d", tt.gogc, tt.memlimit, got, tt.percent)
		}
	}
}

// Compile turns the collector off for a compile that only checks, and
// leaves it on for one that emits too (render, describe), whose garbage
// it should reuse.
func TestCompileTurnsTheCollectorOffToCheckOnly(t *testing.T) {
	percent, was := debug.SetGCPercent(gcPercent), debug.SetMemoryLimit(1<<30)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(was)
	})
	real := compileAll
	t.Cleanup(func() { compileAll = real })
	compiling := 0
	compileAll = func([]load.EnvSpec, compiler.Options) ([]compiler.EnvResult, diag.Diagnostics, error) {
		compiling = debug.SetGCPercent(-1)
		debug.SetGCPercent(compiling)
		return nil, nil, nil
	}
	for _, tt := range []struct {
		vetOnly bool
		want    int
	}{{true, -1}, {false, gcPercent}} {
		c := &Common{ownGC: true}
		if _, code := c.Compile(compiler.Options{VetOnly: tt.vetOnly}, false, io.Discard); code != ExitOK {
			t.Fatalf("VetOnly %v: exit %d", tt.vetOnly, code)
		}
		if compiling != tt.want {
			t.Errorf("VetOnly %v: GC percent %d while compiling, want %d", tt.vetOnly, compiling, tt.want)
		}
		if got := debug.SetGCPercent(gcPercent); got != gcPercent {
			t.Errorf("VetOnly %v: GC percent %d after, want %d", tt.vetOnly, got, gcPercent)
		}
	}
}
