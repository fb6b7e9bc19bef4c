// Command benchscale measures kuberatorc against CUE's own floor at several
// sizes and prints a table: `make bench-scale`. For each N it generates
// examples/qa.cue plus N workloads (half with a host, a fifth with
// autoscaling), and the same spec unified with kuberator's schema and stdlib
// as one CUE package, the anchor: what `cue export` pays to evaluate it.
// Whole processes are timed, run by run in pairs (A then B), and the median
// of the runs is reported.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/internal/testutil"
	"github.com/kuberator/kuberator/schema"
	"github.com/kuberator/kuberator/stdlib"
)

func main() {
	sizes := flag.String("sizes", "10,100,1000,5000", "workload counts, comma-separated")
	runs := flag.Int("runs", 5, "runs per measurement (the median is reported)")
	kuberatorc := flag.String("kuberatorc", "bin/kuberatorc", "the kuberatorc binary")
	cue := flag.String("cue", "cue", "the cue binary (the go.mod version)")
	kubectl := flag.String("kubectl", "kubectl", "the kubectl binary")
	singleUpTo := flag.Int("single-up-to", 1000, "largest N for which kubectl kustomize of one overlay holding every workload is timed (once)")
	flag.Parse()
	base, err := os.ReadFile("examples/qa.cue")
	check(err)
	work, err := os.MkdirTemp("", "benchscale")
	check(err)
	temps = append(temps, work)
	defer os.RemoveAll(work)
	// A build into memory (tmpfs) shows what kuberatorc costs apart from
	// the disk, whose cost per file created varies tenfold on this machine.
	// Without /dev/shm (macOS) the column is left empty.
	shm, err := os.MkdirTemp("/dev/shm", "benchscale")
	if err != nil {
		shm = ""
	}
	temps = append(temps, shm)
	defer os.RemoveAll(shm)

	fmt.Printf("%d runs each, median; whole processes on %s; a ratio is the median of the paired ratios against the same run's cue export (cue vet -c for vet)\n\n", *runs, host())
	fmt.Println("| N workloads | files written | build into a new dir (disk) | ratio | build into a new dir (tmpfs) | ratio | cue export | vet | cue vet -c | ratio | diff, nothing changed | ratio | rebuild, nothing changed | ratio | build peak RSS | render | kubectl kustomize, one overlay (1 run) | speed-up |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		dir := filepath.Join(work, "n"+s)
		spec, anchor := prepare(dir, base, n)
		var build, export, inMemory, vet, cueVet, diff, rebuild, render []time.Duration
		var peak int64
		files := 0
		for i := range *runs {
			out := filepath.Join(dir, fmt.Sprintf("out%d", i))
			d, rss := timed(*kuberatorc, "build", spec, "-o", out)
			build, peak = append(build, d), max(peak, rss)
			files = countFiles(out)
			if shm != "" {
				mem := filepath.Join(shm, "out")
				d, _ = timed(*kuberatorc, "build", spec, "-o", mem)
				inMemory = append(inMemory, d)
				check(os.RemoveAll(mem)) // memory, not disk: give it back
			}
			d, _ = timedIn(anchor, *cue, "export", "-e", "env", "--out", "json", ".")
			export = append(export, d)
			d, _ = timed(*kuberatorc, "vet", spec)
			vet = append(vet, d)
			d, _ = timedIn(anchor, *cue, "vet", "-c", ".")
			cueVet = append(cueVet, d)
			d, _ = timed(*kuberatorc, "diff", spec, "-o", out)
			diff = append(diff, d)
			d, _ = timed(*kuberatorc, "build", spec, "-o", out)
			rebuild = append(rebuild, d)
			d, _ = timed(*kuberatorc, "render", spec, "-o", out)
			render = append(render, d)
		}
		single := "-"
		speedup := "-"
		if n <= *singleUpTo {
			d := timedSingleOverlay(*kubectl, filepath.Join(dir, "out0"))
			single = ms(d)
			speedup = fmt.Sprintf("%.1f×", float64(d)/float64(median(render)))
		}
		fmt.Printf("| %d | %d | %s | %.2f× | %s | %s | %s | %s | %s | %.2f× | %s | %.2f× | %s | %.2f× | %d MiB | %s | %s | %s |\n", n, files,
			ms(median(build)), ratio(build, export), msOrDash(inMemory), ratioOrDash(inMemory, export), ms(median(export)),
			ms(median(vet)), ms(median(cueVet)), ratio(vet, cueVet),
			ms(median(diff)), ratio(diff, export), ms(median(rebuild)), ratio(rebuild, export),
			peak/1024, ms(median(render)), single, speedup)
	}
}

// prepare writes the spec and the anchor package for n workloads.
func prepare(dir string, base []byte, n int) (spec, anchor string) {
	check(os.MkdirAll(filepath.Join(dir, "anchor"), 0o755))
	data := testutil.ScaleSpec(base, "qa.example.com", n)
	spec = filepath.Join(dir, "qa.cue")
	check(os.WriteFile(spec, data, 0o644))
	anchor = filepath.Join(dir, "anchor")
	for _, fsys := range []fs.FS{schema.FS, stdlib.FS} {
		names, err := fs.Glob(fsys, "*.cue")
		check(err)
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			check(err)
			check(os.WriteFile(filepath.Join(anchor, name), b, 0o644))
		}
	}
	wrapped := "package kuberator\n\nenv: #Environment & {\n" + string(data) + "\n}\n"
	check(os.WriteFile(filepath.Join(anchor, "spec.cue"), []byte(wrapped), 0o644))
	return spec, anchor
}

// countFiles is the number of files in a tree: what a build created.
func countFiles(dir string) int {
	n := 0
	check(filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	}))
	return n
}

// timedSingleOverlay builds, with kubectl kustomize, one overlay that holds
// every workload's objects, as the apps layer did before each workload had
// its own Kustomization.
func timedSingleOverlay(kubectl, out string) time.Duration {
	apps := filepath.Join(out, layout.Layer("qa", layout.Apps))
	var resources []string
	entries, err := os.ReadDir(apps)
	check(err)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(apps, e.Name()))
		check(err)
		for _, f := range files {
			if f.Name() != "kustomization.yaml" {
				resources = append(resources, "- apps/"+e.Name()+"/"+f.Name())
			}
		}
	}
	// Beside the layers, so that every workload file is below it, as
	// kustomize requires.
	single := filepath.Dir(apps)
	check(os.WriteFile(filepath.Join(single, "kustomization.yaml"), []byte("resources:\n"+strings.Join(resources, "\n")+"\n"), 0o644))
	d, _ := timed(kubectl, "kustomize", single)
	return d
}

// timed runs a process to completion and returns its wall time and peak RSS (KiB).
func timed(name string, args ...string) (time.Duration, int64) { return timedIn("", name, args...) }

// timedIn is timed in a working directory: cue takes its package as ".".
func timedIn(dir, name string, args ...string) (time.Duration, int64) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
		exit()
	}
	d := time.Since(start)
	return d, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

// msOrDash and ratioOrDash print a column that may not have been measured.
func msOrDash(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	return ms(median(ds))
}

func ratioOrDash(a, b []time.Duration) string {
	if len(a) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", ratio(a, b))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// ratio is the median of the paired ratios a[i]/b[i].
func ratio(a, b []time.Duration) float64 {
	var rs []float64
	for i := range a {
		rs = append(rs, float64(a[i])/float64(b[i]))
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func host() string {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return "this machine"
	}
	return strings.TrimSpace(string(out)) + " cores"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		exit()
	}
}

// temps are removed on every way out, a failure too: the tmpfs one holds
// memory.
var temps []string

func exit() {
	for _, dir := range temps {
		os.RemoveAll(dir)
	}
	os.Exit(1)
}
