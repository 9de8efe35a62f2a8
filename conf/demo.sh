#!/bin/sh
# Builds a demo database from sample/posts and runs nginx on
# 127.0.0.1:$PORT with conf/nginx.conf (a copy of it in the demo folder,
# its port and paths filled in).  The URLs to try are printed once the
# home page answers; then nginx's log lines follow: the error log at
# notice on stderr, one access log line a request on stdout.  Ctrl-C (or
# an INT or TERM to this script) stops nginx, and the script ends when it
# has.
#
#   PORT      the port on 127.0.0.1 (default 8080)
#   DEMO_DIR  the folder of the demo's database, GeoIP file, readership
#             file, nginx.conf and nginx's temporary files (default
#             objs/demo; the tests use one of their own)

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
demo=${DEMO_DIR:-$top/objs/demo}

case $port in
    ''|*[!0-9]*) echo "demo: PORT must be a number, not \"$port\"" >&2
                 exit 2 ;;
esac

mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
db="$demo/news.db"
url="http://127.0.0.1:$port"

rm -f "$db" "$db-wal" "$db-shm" "$db-journal" "$demo"/readership.db*

# a small GeoIP database with documentation-style test regions
perl -I"$top/t/lib" -MNewsMMDB -e 'NewsMMDB::write($ARGV[0], {
    "81.2.69.0/24"     => { country => "GB", subdivision => "ENG" },
    "175.16.199.0/24"  => { country => "CN", subdivision => "22" },
    "216.160.83.0/24"  => { country => "US", subdivision => "WA" },
    "2001:218::/32"    => { country => "JP" },
})' "$demo/geo.mmdb"

"$top/objs/newsctl" init --db "$db"
"$top/objs/newsctl" import --db "$db" "$top"/sample/posts/*.txt

# the share link: the seed post; the edit: the newest published post,
# the first one the home page lists
code=$(sqlite3 "$db" "SELECT info_code FROM posts ORDER BY id LIMIT 1")
newest=$(sqlite3 "$db" "SELECT info_code FROM posts
                        WHERE status = 'published'
                          AND published_ts <= unixepoch('now')
                        ORDER BY published_ts DESC, id DESC LIMIT 1")
slug=$(sqlite3 "$db" "SELECT slug FROM categories WHERE parent_id IN
                      (SELECT id FROM categories WHERE parent_id IS NOT NULL)
                      LIMIT 1")

# conf/nginx.conf with the port and the paths of this demo: its relative
# paths are those of the repository's layout
conf="$demo/nginx.conf"
sed -e "s|listen 127\.0\.0\.1:8080;|listen 127.0.0.1:$port;|" \
    -e "s|\.\./objs/demo/|$demo/|g" \
    -e "s|root \.\./sample;|root $top/sample;|" \
    -e "s|^load_module \.\./ngx_http_news_module\.so;|load_module $top/objs/ngx_http_news_module.so;|" \
    "$top/conf/nginx.conf" > "$conf.tmp"
for want in "listen 127.0.0.1:$port;" "news_db $demo/news.db;" \
            "root $top/sample;" \
            "load_module $top/objs/ngx_http_news_module.so;"
do
    if ! grep -qF "$want" "$conf.tmp"; then
        echo "demo: conf/nginx.conf has changed: no \"$want\" made" >&2
        exit 1
    fi
done
mv "$conf.tmp" "$conf"

# nginx wants the prefix's own folders for its temporary files
mkdir -p "$demo/body" "$demo/proxy" "$demo/fastcgi" "$demo/uwsgi" "$demo/scgi"

user=""
if [ "$(id -u)" = 0 ]; then
    # the workers must read the database the demo just made as root
    user="user root;"
fi

nginx -p "$demo/" -c "$conf" -e stderr -g "daemon off; $user" &
pid=$!

# a signal to this script stops nginx (fast shutdown); the wait below
# then sees it go
trap 'kill -INT "$pid" 2>/dev/null || true' INT
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM HUP

# true when the home page answers 200; read to the end, that is until
# nginx closes the connection, which it does after the access log line
answers() {
    perl -MIO::Socket::INET -e '
        $SIG{ALRM} = sub { exit 1 };
        alarm 2;
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
            PeerPort => $ARGV[0], Timeout => 1) or exit 1;
        print $s "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        my $answer = do { local $/; <$s> };
        exit((defined $answer && $answer =~ m{^HTTP/1\.[01] 200 }) ? 0 : 1);
    ' "$1"
}

# until the home page answers and a worker has made the readership file
# (the stats page is a 503 before), nginx exits, or 20 s have passed
tries=0
until answers "$port" && [ -e "$demo/readership.db" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        status=0
        wait "$pid" || status=$?
        echo "demo: nginx exited ($status) before answering on $url/" >&2
        exit 1
    fi
    tries=$((tries + 1))
    if [ "$tries" -ge 200 ]; then
        echo "demo: $url/ did not answer 200 in 20 s; stopping nginx" >&2
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" || true
        exit 1
    fi
    sleep 0.1
done

cat <<END

The demo site runs on $url/ (Ctrl-C stops it). Try:

  home page       $url/
  share link      $url/html_News/NewsShare.html?infoCode=$code&utm_source=demo
  category        $url/category/xinhuawang.html
  second page     $url/category/xinhuawang.html?page=2
  nested category $url/category/$slug.html
  search          $url/search?q=%E4%B8%AD%E5%9B%BD
  readership      $url/stats?format=html

A reader in a region: the share link counts as a share, the article it
leads to (-L) as a view (on the stats page within 2 seconds); each
request's log line below shows its region:

  curl -sL -o /dev/null -H 'X-Forwarded-For: 175.16.199.1' \\
      '$url/html_News/NewsShare.html?infoCode=$code'

Edit the newest post, the first on the home page, while it runs, and
reload the home page:

  sqlite3 $db "UPDATE posts SET title = 'Edited' WHERE info_code = '$newest'"

END

# nginx's exit ends the demo; a signal only interrupts the wait
status=0
while :; do
    wait "$pid" && status=0 || status=$?
    kill -0 "$pid" 2>/dev/null || break
done
exit "$status"
