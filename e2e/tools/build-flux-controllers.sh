#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from their Go
# modules into $1/bin, at the versions of the API modules go.mod requires.
# Each controller's go.mod replaces its api module with ./api, which a module
# dependency cannot use, so a small wrapper module pins the published api
# module instead and repeats the controller's other replace directives.
# Cold: several minutes; afterwards cached.
set -euo pipefail
out=$(realpath -m "$1")
self=$(realpath "$0")
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/bin"
for name in source-controller kustomize-controller; do
  version=$(cd "$root" && go list -m -f '{{.Version}}' "github.com/fluxcd/$name/api")
  bin="$out/bin/$name"
  # The stamp names the version and this recipe: a change to either rebuilds.
  stamp="$version $(sha256sum "$self" | cut -c1-12)"
  if [ -x "$bin" ] && [ "$(cat "$out/bin/.$name-version" 2>/dev/null)" = "$stamp" ]; then
    continue
  fi
  src="$out/$name-src"
  rm -rf "$src" && mkdir -p "$src" && cd "$src"
  gomod=$(go mod download -json "github.com/fluxcd/$name@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module kuberator.local/$name"
    echo
    echo "go 1.26"
    echo
    echo "require github.com/fluxcd/$name $version"
    echo
    echo "replace github.com/fluxcd/$name/api => github.com/fluxcd/$name/api $version"
    # The controller's own replace directives but the local one, one per line.
    awk '/^replace \($/ {block=1; next} block && /^\)$/ {block=0; next}
         block {print "replace " $0; next} /^replace / {print}' "$gomod" | grep -v '=> \./'
    # The module proxy here lacks source-controller 1.9.6's patch release of
    # fluxcd/pkg/artifact (v0.18.3); v0.18.0 has the same API.
    if [ "$name" = source-controller ]; then
      echo "replace github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.0"
    fi
  } > go.mod
  cat > tools.go <<GO
//go:build tools

package tools

import _ "github.com/fluxcd/$name"
GO
  GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
  GOFLAGS=-mod=mod go build -o "$bin" "github.com/fluxcd/$name"
  echo "$stamp" > "$out/bin/.$name-version"
done
