#!/bin/sh
# to_c.sh NAME FILE: FILE as "static const char NAME[]", so that newsctl
# and the module carry the SQL of sql/ without a second copy of it.
echo "static const char $1[] ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$2"
echo '    ;'
