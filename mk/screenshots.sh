#!/bin/sh
# Screenshots of the demo site (make screenshots, mk/screenshots.mk): runs
# conf/demo.sh in objs/shots/ on a free 127.0.0.1 port, takes the home
# page, a category page and an article with headless Chromium at 1280 and
# 375 px wide into DIR (doc/screenshots by default), and stops the demo,
# whatever happened.
#
#   mk/screenshots.sh [DIR]        CHROMIUM names the browser

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/doc/screenshots}
chromium=${CHROMIUM:-chromium}
work="$top/objs/shots"

mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)
rm -rf "$work/chromium"

# a port nobody listens on now
port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
    LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')
url="http://127.0.0.1:$port"
log="$work/demo.log"

PORT=$port DEMO_DIR="$work/demo" sh "$top/conf/demo.sh" >"$log" 2>&1 &
demo=$!

# the demo stops with the script, on success, failure or a signal
stop() {
    if kill -0 "$demo" 2>/dev/null; then
        kill -TERM "$demo" 2>/dev/null || true
        wait "$demo" 2>/dev/null || true
    fi
}
trap 'stop' EXIT
trap 'exit 1' INT TERM HUP

tries=0
until grep -q '^The demo site runs on' "$log"; do
    if ! kill -0 "$demo" 2>/dev/null; then
        echo "screenshots: the demo did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    tries=$((tries + 1))
    if [ "$tries" -ge 300 ]; then
        echo "screenshots: no demo after 30 s:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.1
done

# the site: where the banner's share link points
share=$(sed -n 's|^  share link *\(http://[^ ]*\)$|\1|p' "$log")

# the article: the newest, first on the home page (it has a picture)
home=${share%%/html_News/*}
path=$(curl -s "$home/" | sed -n 's|^<li><a href="\(/[^"]*\.html\)">.*|\1|p' \
       | head -1)
article=$home$path
case $path in
    /*.html) ;;
    *) echo "screenshots: no article found on $home/" >&2
       exit 1 ;;
esac

# shot NAME WIDTH HEIGHT URL
shot() {
    rm -f "$out/$1.png"
    timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu \
        --hide-scrollbars --no-first-run --user-data-dir="$work/chromium" \
        --window-size="$2,$3" --screenshot="$out/$1.png" "$4" \
        >"$work/chromium.log" 2>&1 || true
    if ! [ -s "$out/$1.png" ]; then
        echo "screenshots: no $out/$1.png from $chromium:" >&2
        cat "$work/chromium.log" >&2
        exit 1
    fi
    echo "$out/$1.png  $2x$3  $4  $(wc -c <"$out/$1.png") bytes"
}

for page in "home $url/" "category $url/category/xinhuawang.html" \
            "article $article"
do
    set -- $page
    shot "$1-desktop" 1280 900 "$2"
    shot "$1-phone" 375 1400 "$2"
done
