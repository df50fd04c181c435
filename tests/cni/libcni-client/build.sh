#!/bin/sh
# Build libcni-client offline against Debian's libcni sources
# (golang-github-appc-cni-dev, /usr/share/gocode) with Debian's go.
# Usage: build.sh <outdir>   -> <outdir>/libcni-client
# Skips the build when the binary is newer than main.go, this script and the
# libcni sources. Never touches the network (GOPATH mode, GOPROXY=off).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 <outdir>" >&2
    exit 2
fi
outdir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
gocode=${V6K_GOCODE:-/usr/share/gocode}
libcni_src=$gocode/src/github.com/containernetworking/cni
out=$outdir/libcni-client

GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || GO=/usr/lib/go/bin/go
if [ ! -x "$GO" ] && ! command -v "$GO" >/dev/null 2>&1; then
    echo "build.sh: go not found (install golang-go)" >&2
    exit 1
fi
if [ ! -f "$libcni_src/libcni/api.go" ]; then
    echo "build.sh: libcni sources not found under $libcni_src (install golang-github-appc-cni-dev)" >&2
    exit 1
fi

mkdir -p "$outdir"
if [ -x "$out" ] &&
   [ -z "$(find "$src_dir/main.go" "$src_dir/build.sh" "$libcni_src/libcni" "$libcni_src/pkg" \
           -newer "$out" -name '*.go' -o -newer "$out" -name build.sh 2>/dev/null | head -n 1)" ]; then
    exit 0   # up to date
fi

# GOPATH mode resolves github.com/containernetworking/cni from Debian's tree;
# the build cache lives beside the output so nothing is written elsewhere.
export GO111MODULE=off
export GOPATH=$gocode
export GOPROXY=off
export GOFLAGS=
export GOCACHE=${GOCACHE:-$outdir/.gocache}
export CGO_ENABLED=0

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
(cd "$src_dir" && "$GO" build -trimpath -o "$tmp" main.go)
mv -f "$tmp" "$out"
trap - EXIT
echo "built $out"
