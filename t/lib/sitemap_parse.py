#!/usr/bin/python3
# Reads a sitemap, a sitemap index or a Google News sitemap on stdin with
# a real XML parser (xml.dom.minidom, expat underneath) and prints what the
# tests check as JSON: the root element, each <url>'s loc, lastmod and
# news fields, each <sitemap>'s loc.  Exits 1 with the parser's message
# when the document is not well-formed.

import json
import sys
import xml.dom.minidom

SM = 'http://www.sitemaps.org/schemas/sitemap/0.9'
NEWS = 'http://www.google.com/schemas/sitemap-news/0.9'


def text(parent, ns, name):
    nodes = parent.getElementsByTagNameNS(ns, name)
    if not nodes:
        return None
    return ''.join(c.data for c in nodes[0].childNodes
                   if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE))


def main():
    data = sys.stdin.buffer.read()
    try:
        doc = xml.dom.minidom.parseString(data)
    except Exception as e:
        print('not well-formed: %s' % e)
        sys.exit(1)

    root = doc.documentElement
    out = {'root': root.localName, 'ns': root.namespaceURI,
           'urls': [], 'sitemaps': []}

    for u in root.getElementsByTagNameNS(SM, 'url'):
        item = {'loc': text(u, SM, 'loc'), 'lastmod': text(u, SM, 'lastmod')}
        if u.getElementsByTagNameNS(NEWS, 'news'):
            item['news'] = {
                'name': text(u, NEWS, 'name'),
                'language': text(u, NEWS, 'language'),
                'publication_date': text(u, NEWS, 'publication_date'),
                'title': text(u, NEWS, 'title'),
            }
        out['urls'].append(item)

    for s in root.getElementsByTagNameNS(SM, 'sitemap'):
        out['sitemaps'].append({'loc': text(s, SM, 'loc'),
                                'lastmod': text(s, SM, 'lastmod')})

    print(json.dumps(out))


main()
