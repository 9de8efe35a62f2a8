#!/bin/sh
# Builds a demo database from sample/posts and runs nginx in the
# foreground on 127.0.0.1:8080 with conf/nginx.conf; Ctrl-C stops it.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/objs/demo"
db="$demo/news.db"

mkdir -p "$demo"
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

code=$(sqlite3 "$db" "SELECT info_code FROM posts ORDER BY id LIMIT 1")
slug=$(sqlite3 "$db" "SELECT slug FROM categories WHERE parent_id IN
                      (SELECT id FROM categories WHERE parent_id IS NOT NULL)
                      LIMIT 1")

cat <<END

The demo site runs on http://127.0.0.1:8080/ (Ctrl-C stops it). Try:

  home page       http://127.0.0.1:8080/
  share link      http://127.0.0.1:8080/html_News/NewsShare.html?infoCode=$code&utm_source=demo
  category        http://127.0.0.1:8080/category/xinhuawang.html
  second page     http://127.0.0.1:8080/category/xinhuawang.html?page=2
  nested category http://127.0.0.1:8080/category/$slug.html
  readership      http://127.0.0.1:8080/stats?format=html

A reader in a region (counted within 2 seconds, see the stats page):

  curl -s -o /dev/null -H 'X-Forwarded-For: 175.16.199.1' \
      http://127.0.0.1:8080/html_News/NewsShare.html?infoCode=$code

Edit a post while it runs, and reload the page:

  sqlite3 $db "UPDATE posts SET title = 'Edited' WHERE info_code = '$code'"

END

# nginx wants the prefix's own folders for its temporary files
mkdir -p "$demo/body" "$demo/proxy" "$demo/fastcgi" "$demo/uwsgi" "$demo/scgi"

user=""
if [ "$(id -u)" = 0 ]; then
    # the workers must read the database the demo just made as root
    user="user root;"
fi

exec nginx -p "$demo/" -c "$top/conf/nginx.conf" -e stderr \
    -g "daemon off; $user"
