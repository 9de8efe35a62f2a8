#!/usr/bin/python3
# Checks that an HTML document parses as HTML5 without a single parse
# error, as html5lib (an implementation of the WHATWG parsing algorithm)
# sees it: each error on a line of its own, "LINE:COL: code {details}",
# and exit 1 on any; exit 0 and nothing printed for a clean document.
#
#   html5check.py [FILE]     (standard input without FILE)
#
# The bytes are given as they are, so that html5lib reads the encoding
# from the document itself (the <meta charset> the pages carry).  A parse
# error is what the HTML standard calls one: a missing doctype, a stray
# end tag, a duplicate attribute, an unclosed element the tree builder
# had to close, a character reference that is not one; the content
# models (which element may hold which) are beyond a parser.

import sys

import html5lib


def main(argv):
    if len(argv) > 2:
        sys.stderr.write("usage: html5check.py [FILE]\n")
        return 2

    if len(argv) == 2:
        with open(argv[1], "rb") as f:
            data = f.read()
    else:
        data = sys.stdin.buffer.read()

    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"))
    parser.parse(data)

    for (line, col), code, details in parser.errors:
        extra = ""
        if details:
            extra = " " + ", ".join("%s=%s" % (k, details[k])
                                    for k in sorted(details))
        sys.stdout.write("%s:%s: %s%s\n" % (line, col, code, extra))

    return 1 if parser.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
