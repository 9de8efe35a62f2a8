#!/bin/bash
# bench/ir.sh MODULE [N1 N2]: instructions per request (callgrind) of a
# cached article page and a cached share redirect, readership and GeoIP
# on, a browser User-Agent and four X-Forwarded-For addresses; nginx in
# one process under valgrind, N1 then N2 keepalive requests, the
# difference of the two totals over N2 - N1 (start-up and exit cancel
# out).  Deterministic: the same binary and inputs give the same counts.
# Needs valgrind, the demo posts and ../shared's test City DB.
# IR_CACHE=off measures the same pages uncached (news_cache off): each
# request rendered from SQLite.
#
#   bash bench/ir.sh objs/ngx_http_news_module.so
#   IR_CACHE=off bash bench/ir.sh objs/ngx_http_news_module.so 50 550
set -eu

MOD=$(readlink -f "$1"); N1=${2:-100}; N2=${3:-2100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MMDB=$ROOT/../shared/testdata/maxmind/GeoIP2-City-Test.mmdb
PORT=${IR_PORT:-18090}
CACHE=""
[ "${IR_CACHE:-on}" = off ] && CACHE="news_cache off;"
DIR=$(mktemp -d /tmp/news-ir-XXXXXX)
trap 'rm -rf "$DIR"' EXIT

"$ROOT/objs/newsctl" init --db "$DIR/news.db" >/dev/null
"$ROOT/objs/newsctl" import --db "$DIR/news.db" "$ROOT"/sample/posts/*.txt \
    >/dev/null

cat > "$DIR/nginx.conf" <<END
load_module $MOD;
daemon off;
master_process off;
worker_processes 1;
user root;
error_log $DIR/error.log notice;
pid $DIR/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    $CACHE
    news_geoip_db $MMDB;
    news_readership zone=rs:4m db=$DIR/readership.db;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    news_template article $ROOT/conf/templates/article.html;
    news_template category $ROOT/conf/templates/category.html;
    news_template index $ROOT/conf/templates/index.html;
    news_template error $ROOT/conf/templates/error.html;
    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        news_db $DIR/news.db;
        location = /html_News/NewsShare.html { news_share; }
        location / { news_article; }
    }
}
END

# N keepalive GETs of one URI, each answer read whole
client() {
    perl -MIO::Socket::INET -e '
        my ($port, $n, $uri) = @ARGV;
        my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "$!\n";
        my @ip = qw(2.125.160.216 81.2.69.142 89.160.20.112 216.160.83.56);
        for my $i (1 .. $n) {
            print $s "GET $uri HTTP/1.1\r\nHost: localhost\r\n"
                . "User-Agent: Mozilla/5.0 (X11; Linux x86_64) "
                . "AppleWebKit/537.36 Chrome/120.0 Safari/537.36\r\n"
                . "X-Forwarded-For: $ip[$i % 4]\r\n\r\n";
            my $h = "";
            while (<$s>) { $h .= $_; last if $_ eq "\r\n" }
            my ($len) = $h =~ /Content-Length: (\d+)/i;
            read($s, my $b, $len) if $len;
        }' "$PORT" "$@"
}

# callgrind's total for N requests of URI
total() {
    rm -f "$DIR"/readership.db* "$DIR/cg.out"
    valgrind --tool=callgrind --callgrind-out-file="$DIR/cg.out" \
        nginx -p "$DIR/" -c "$DIR/nginx.conf" >/dev/null 2>&1 &
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
        sleep 0.2
    done
    client "$1" "$2"
    kill -QUIT "$(cat "$DIR/nginx.pid")"
    wait
    awk '/^(summary|totals):/ { print $2; exit }' "$DIR/cg.out"
}

CODE=NW202203042297567012
for uri in "/xinhuawang/2022/03/04/$CODE.html" \
           "/html_News/NewsShare.html?infoCode=$CODE"
do
    a=$(total "$N1" "$uri")
    b=$(total "$N2" "$uri")
    echo "$uri $(( (b - a) / (N2 - N1) )) instructions a request"
done
