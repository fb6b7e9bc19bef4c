#!/usr/bin/env bash
# Builds kube-apiserver from the k8s.io/kubernetes Go module into $1/bin.
# k8s.io/kubernetes refers to its staging modules (k8s.io/api, …) by local
# replace directives, so a small wrapper module pins each of them to its
# published version instead. Cold: several minutes; afterwards cached.
set -euo pipefail
out=$(realpath -m "$1")
version=${KUBE_VERSION:-v1.33.13}
minor=${version#v1.}
minor=${minor%%.*}
staging=v0.${version#v1.}
bin="$out/bin/kube-apiserver"
# The stamp names the version and this recipe: a change to either rebuilds.
stamp="$version $(sha256sum "$0" | cut -c1-12)"
if [ -x "$bin" ] && [ "$(cat "$out/bin/.kube-apiserver-version" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
mkdir -p "$out/bin" "$out/kube-apiserver-src"
cd "$out/kube-apiserver-src"

gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
{
  echo "module kuberator.local/kube-apiserver"
  echo
  echo "go 1.26"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
  echo ")"
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
GOFLAGS=-mod=mod go build -o "$bin" \
  -ldflags "-X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
  k8s.io/kubernetes/cmd/kube-apiserver
echo "$stamp" > "$out/bin/.kube-apiserver-version"
