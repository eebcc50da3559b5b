#!/bin/sh
# Peak memory of oed-tokens on a large file and on NUL bytes from a pipe.
#   sh bench/tokens-stream.sh BUILD_DIR [RECORDS] [ZERO_BYTES]
# The file is the bench corpus (gen_corpus.py RECORDS, default 400000:
# about 600 MB) read as text; then ZERO_BYTES (default 64M, head -c
# suffixes) of /dev/zero, which the pattern makes one piece however long,
# so that is merged whole.  Prints seconds, peak RSS and the record.
# Needs GNU time (/usr/bin/time) and python3.
set -eu
build=${1:?build folder}
records=${2:-400000}
zeros=${3:-64M}
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/oed-bench-tokens-stream
mkdir -p "$out"
export OED_VOCAB_DIR=${OED_VOCAB_DIR:-$here/../data}
[ -s "$out/corpus.jsonl" ] && [ "$(cat "$out/records" 2>/dev/null)" = "$records" ] || {
	/usr/bin/python3 "$here/gen_corpus.py" "$records" > "$out/corpus.jsonl"
	echo "$records" > "$out/records"
}
printf 'input\tMB\tseconds\tpeak RSS MB\trecord\n'
/usr/bin/time -f '%e %M' -o "$out/time" "$build/oed-tokens" "$out/corpus.jsonl" > "$out/rec"
read -r secs kb < "$out/time"
printf 'corpus\t%d\t%s\t%d\t%s\n' $(($(wc -c < "$out/corpus.jsonl") / 1000000)) "$secs" $((kb / 1024)) "$(cat "$out/rec")"
head -c "$zeros" /dev/zero | /usr/bin/time -f '%e %M' -o "$out/time" "$build/oed-tokens" > "$out/rec"
read -r secs kb < "$out/time"
printf '/dev/zero\t%s\t%s\t%d\t%s\n' "$zeros" "$secs" $((kb / 1024)) "$(cat "$out/rec")"
