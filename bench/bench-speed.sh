#!/bin/sh
# oed-bench's own cost against a server that answers at once
# (bench/fast_llm.c): items per second at concurrency 64, a rerun served
# from the store, start-up, and memory on large datasets (streamed).
# Run from the top of the source tree after make; needs cc and python3.
# Usage: sh bench/bench-speed.sh [ITEMS]   (default 20000; keep it under a minute)
# With PROMPTFOO=path/to/promptfoo (npm install promptfoo), the same task
# on the same server through promptfoo, side by side.
set -e
n=${1:-20000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oed-bench-speed.XXXXXX")
trap 'kill $spid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
cc -O2 -o "$tmp/fast_llm" bench/fast_llm.c
"$tmp/fast_llm" "$tmp/port" & spid=$!
while [ ! -s "$tmp/port" ]; do sleep 0.05; done
base=http://127.0.0.1:$(cat "$tmp/port")/v1
python3 - "$n" "$tmp/data.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as f:
    for i in range(int(sys.argv[1])):
        f.write(json.dumps({"id": "q%d" % i, "question": "What is %d + %d?" % (i, i), "answer": str(2 * i)}) + "\n")
PY
cat > "$tmp/task.yaml" <<'Y'
task: speed
dataset: {path: data.jsonl, id: id}
prompt: "Question: {{question}}"
target: "{{answer}}"
generation: {temperature: 0, max_tokens: 16}
extract: [{regex: "####\\s*(-?[0-9]+)"}]
scorers: [exact_match]
Y
export OED_STORE="$tmp/store.db"
t() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
printf '%-44s %10s %10s %12s\n' "run" "seconds" "items/s" "max RSS MB"
row() { printf '%-44s %10s %10.0f %12.1f\n' "$1" "$2" "$(echo "$n / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"; }
set -- $(t ./oed-bench -q --base-url "$base" -c 64 -m openai:fast "$tmp/task.yaml")
row "HTTP, -c 64, answers cached as they come" "$1" "$2"
set -- $(t ./oed-bench -q --base-url "$base" -c 64 -m openai:fast "$tmp/task.yaml")
row "the same again: every answer from the store" "$1" "$2"
set -- $(t ./oed-bench -q --dry-run --base-url "$base" -m openai:fast "$tmp/task.yaml")
row "--dry-run (render and write every request)" "$1" "$2"
set -- $(t ./oed-bench --help)
printf '%-44s %10s %10s %12.1f\n' "start-up (--help)" "$1" "-" "$(echo "$2 / 1024" | bc -l)"

if [ -n "${PROMPTFOO:-}" ]; then
	python3 - "$tmp/data.jsonl" "$tmp/tests.csv" <<'PY'
import csv, json, sys
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["question", "answer"])
    for line in open(sys.argv[1]):
        r = json.loads(line)
        w.writerow([r["question"], r["answer"]])
PY
	cat > "$tmp/promptfooconfig.yaml" <<Y
prompts: ["Question: {{question}}"]
providers:
  - id: openai:chat:fast
    config: {apiBaseUrl: "$base", apiKey: "none", temperature: 0, max_tokens: 16}
tests: file://$tmp/tests.csv
defaultTest:
  assert:
    - type: regex
      value: '####\s*{{answer}}'
Y
	export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CONFIG_DIR="$tmp/pf"
	set -- $(t "$PROMPTFOO" eval -c "$tmp/promptfooconfig.yaml" -j 64 --no-cache --no-table \
		--no-progress-bar --no-write -o "$tmp/pf.json")
	row "promptfoo eval -j 64, same task and server" "$1" "$2"
fi
