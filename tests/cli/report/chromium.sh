#!/bin/sh
# The HTML report in headless Chromium: the page loads with no network
# request (a local server counts any, and a hostile output points at it),
# its DOM holds the charts' SVG, and hostile outputs stay text (no script
# or img element appears).  A screenshot is taken too.  Skips (77) when
# chromium (Debian package chromium) or python3 is not installed.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
data=$top_srcdir/tests/cli/report/data
chrome=$(command -v chromium || command -v chromium-browser) || { echo "SKIP: chromium not installed"; exit 77; }
py=$(command -v python3) || { echo "SKIP: python3 not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/oed-report-chromium.XXXXXX") || exit 1
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT INT TERM

# a server on an ephemeral port of 127.0.0.1 that logs every request
cat > "$work/serve.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[2], "a").write(self.path + "\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"x")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
: > "$work/requests"
"$py" "$work/serve.py" "$work/port" "$work/requests" &
server=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$work/port" ] && break; sleep 0.2; done
[ -s "$work/port" ] || { echo "SKIP: cannot start a server on 127.0.0.1"; exit 77; }
port=$(cat "$work/port")
url="http://127.0.0.1:$port"

{
	cat "$data"/entropy.jsonl "$data"/drift.jsonl "$data"/bench.jsonl "$data"/monitor.jsonl
	printf '{"kind":"bench.item","model":"m","input_id":"h1","sample":0,"output":"<img src=\\"%s/img\\" onerror=\\"fetch(\\u0027%s/js\\u0027)\\">","scores":{"ok":false}}\n' "$url" "$url"
	printf '{"kind":"bench.item","model":"m","input_id":"h2","sample":0,"output":"\\"><script src=\\"%s/script\\"></script><link rel=stylesheet href=\\"%s/css\\">","scores":{"ok":true}}\n' "$url" "$url"
	printf '{"kind":"x\\"><img src=\\"%s/kind\\">","note":"<iframe src=\\"%s/frame\\">"}\n' "$url" "$url"
} > "$work/in.jsonl"
oed-report -f html --title "<img src=\"$url/title\">" "$work/in.jsonl" > "$work/report.html" || exit 1

flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run"
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --user-data-dir="$work/profile" --dump-dom "file://$work/report.html" \
	> "$work/dom.html" 2> "$work/chrome.log" || { echo "FAIL: chromium --dump-dom"; tail "$work/chrome.log"; exit 1; }
# shellcheck disable=SC2086
timeout 120 "$chrome" $flags --user-data-dir="$work/profile2" --window-size=1200,3000 \
	--screenshot="$work/shot.png" "file://$work/report.html" > /dev/null 2>&1
sleep 0.5
fail=0
check() { if eval "$2"; then echo "PASS: $1"; else echo "FAIL: $1"; fail=1; fi; }
svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
check "the DOM holds the charts ($svgs svg elements)" '[ "$svgs" -ge 8 ]'
check "every chart has a title" '[ "$(grep -o "<svg[^>]*aria-label=\"[^\"]" "$work/dom.html" | wc -l)" = "$svgs" ]'
check "axes are labelled" 'grep -q ">mean score<" "$work/dom.html" && grep -q ">count<" "$work/dom.html"'
check "no script element" '! grep -qi "<script" "$work/dom.html"'
check "no img, iframe or link element" '! grep -qiE "<(img|iframe|link)[ >]" "$work/dom.html"'
check "hostile output shown as text" 'grep -q "&lt;script src=" "$work/dom.html"'
check "no network request" '[ ! -s "$work/requests" ]'
check "a screenshot was taken" '[ -s "$work/shot.png" ]'
[ -s "$work/requests" ] && sed 's/^/  request: /' "$work/requests"
[ -n "${OED_KEEP_SCREENSHOT:-}" ] && cp "$work/shot.png" "$OED_KEEP_SCREENSHOT"
exit $fail
