#!/usr/bin/env bash
# Builds tests/ssa-oracle (the real server-side-apply algorithm, kubernetes-sigs/structured-merge-diff) offline from
# Debian's packages, as ../shared/reference/ssa-oracle.md says: module mode, every module replaced by its folder under
# /usr/share/gocode/src, a go.mod for modern-go/concurrent (packaged without one) and empty stubs for the modules the
# library's go.mod names only for its own tests. Nothing is fetched. Output: .tools/ssa-oracle/ssa-oracle.
set -euo pipefail
cd "$(dirname "$0")/.."

src=/usr/share/gocode/src
out=.tools/ssa-oracle
if [ -x "$out/ssa-oracle" ] && [ "$out/ssa-oracle" -nt tests/ssa-oracle/main.go ]; then
  exit 0
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$build/oracle" "$build/stubs"
cp tests/ssa-oracle/main.go "$build/oracle/"

# modern-go/concurrent has no go.mod in its Debian package: a copy with one.
cp -r "$src/github.com/modern-go/concurrent" "$build/concurrent"
printf 'module github.com/modern-go/concurrent\n\ngo 1.12\n' >"$build/concurrent/go.mod"

stubs=(github.com/google/gofuzz github.com/stretchr/testify github.com/davecgh/go-spew github.com/kr/pretty
  github.com/pmezard/go-difflib github.com/stretchr/objx gopkg.in/check.v1)
replaces=""
for m in "${stubs[@]}"; do
  dir="$build/stubs/$m"
  mkdir -p "$dir"
  printf 'module %s\n\ngo 1.12\n' "$m" >"$dir/go.mod"
  replaces+="replace $m => $dir"$'\n'
done

cat >"$build/oracle/go.mod" <<MOD
module kvedge.test/ssa-oracle

go 1.19

require (
	sigs.k8s.io/structured-merge-diff/v4 v4.1.2
	gopkg.in/yaml.v2 v2.4.0
	github.com/json-iterator/go v1.1.12
	github.com/modern-go/reflect2 v1.0.2
	github.com/modern-go/concurrent v1.0.3
)

replace sigs.k8s.io/structured-merge-diff/v4 => $src/sigs.k8s.io/structured-merge-diff
replace gopkg.in/yaml.v2 => $src/gopkg.in/yaml.v2
replace github.com/json-iterator/go => $src/github.com/json-iterator/go
replace github.com/modern-go/reflect2 => $src/github.com/modern-go/reflect2
replace github.com/modern-go/concurrent => $build/concurrent
$replaces
MOD

mkdir -p "$out"
(cd "$build/oracle" && GO111MODULE=on GOPROXY=off GOFLAGS=-mod=mod GOSUMDB=off GOCACHE="$build/cache" GOPATH="$build/gopath" \
  go build -o "$OLDPWD/$out/ssa-oracle.new" .)
mv "$out/ssa-oracle.new" "$out/ssa-oracle"
