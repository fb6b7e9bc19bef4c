package outtree

import (
	"io/fs"
	"path"
	"slices"
)

// ahead is what ReadAhead read: the files of the environments it chose, by
// path, the digest of each such environment's files as read, and the
// directories holding them.
type ahead struct {
	files   map[string][]byte
	outputs map[string]string // environment → OutputDigest of its files
	dirs    map[string][]fs.DirEntry
}

// ReadAhead reads what Fresh, Read and the search for strays will read of
// the environments whose recorded spec file is named one of specNames (or
// of the only environment the tree holds): their files, the digest of each
// environment's, and the directories holding them. A build or a diff runs it
// while the spec compiles, on another core, so that finding the tree
// unchanged costs little more than compiling. Nothing is reported: what
// could not be read is read again, and reported, when asked for. It stops
// early, reading no more, once stop is closed. t must not be used until
// ReadAhead returns.
func (t *Tree) ReadAhead(specNames []string, stop <-chan struct{}) {
	if t.root == nil {
		return
	}
	m, err := t.manifest()
	if err != nil {
		return
	}
	a := &ahead{files: map[string][]byte{}, outputs: map[string]string{}, dirs: map[string][]fs.DirEntry{}}
	for env, paths := range m.Environments {
		if len(m.Environments) > 1 && !slices.Contains(specNames, path.Base(m.Specs[env])) {
			continue
		}
		files := map[string][]byte{}
		for _, p := range paths {
			select {
			case <-stop:
				t.ahead = a // what was read so far is as good as read later
				return
			default:
			}
			if t.noSymlinks(p) != nil {
				break
			}
			data, err := t.readFile(p)
			if err != nil {
				break
			}
			files[p], a.files[p] = data, data
			dir := path.Dir(p)
			if _, ok := a.dirs[dir]; !ok {
				if entries, err := t.readDir(dir); err == nil {
					a.dirs[dir] = entries
				}
			}
		}
		if len(files) == len(paths) {
			a.outputs[env] = OutputDigest(files)
		}
	}
	t.ahead = a
}

// readAheadFile is a file ReadAhead read, if it did.
func (t *Tree) readAheadFile(p string) ([]byte, bool) {
	if t.ahead == nil {
		return nil, false
	}
	data, ok := t.ahead.files[p]
	return data, ok
}

// readAheadOutput is the digest ReadAhead computed of an environment's
// files, if it did.
func (t *Tree) readAheadOutput(env string) (string, bool) {
	if t.ahead == nil {
		return "", false
	}
	d, ok := t.ahead.outputs[env]
	return d, ok
}
