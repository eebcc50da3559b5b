#!/bin/sh
# Throughput of the --normalize chains (bench/normalize_bench.c).
#   sh bench/normalize.sh BUILD_DIR
set -eu
build=${1:?build folder}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-normalize
mkdir -p "$out"
cc -O2 -I"$here/../lib" -I"$build" "$here/normalize_bench.c" "$build/lib/.libs/libcore.a" \
	$(pkg-config --libs jansson libxxhash libpcre2-8) -lm -o "$out/normalize_bench"
"$out/normalize_bench"
