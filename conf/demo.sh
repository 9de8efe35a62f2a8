#!/bin/sh
# Builds a demo database from sample/posts and runs nginx in the
# foreground on 127.0.0.1:8080 with conf/nginx.conf; Ctrl-C stops it.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/objs/demo"
db="$demo/news.db"

mkdir -p "$demo"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"

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
