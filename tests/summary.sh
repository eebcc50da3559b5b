#!/bin/sh
# Sum the closing lines of every suite's log into one line, printed last by
# 'make check': check's "Checks: N, Failures: F, Errors: E" and the CLI
# runners' "N passed, N failed".
pass=0 fail=0
for t in "$@"; do
	log=${t%.sh}.log
	[ -f "$log" ] || continue
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		echo "$t: $line"
		c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		pass=$((pass + c - f - e)); fail=$((fail + f + e))
		continue
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		echo "$t: $line"
		p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
		pass=$((pass + p)); fail=$((fail + f))
	fi
done
echo "$pass passed, $fail failed"
