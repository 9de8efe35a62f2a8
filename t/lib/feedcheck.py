#!/usr/bin/python3
# feedcheck.py < FEED: the feed as Debian's feedparser and a strict XML
# parser (minidom) read it, as JSON on stdout, for the tests
import json
import sys
import calendar
import xml.dom.minidom

import feedparser

data = sys.stdin.buffer.read()
out = {}
try:
    xml.dom.minidom.parseString(data)
    out['xml_error'] = None
except Exception as e:
    out['xml_error'] = str(e)

d = feedparser.parse(data)
out['bozo'] = int(bool(d.bozo))
out['bozo_exception'] = str(d.get('bozo_exception', ''))
out['version'] = d.get('version')
feed = d.feed
out['feed'] = {k: feed.get(k) for k in ('title', 'link', 'id', 'updated',
                                        'language')}
out['entries'] = []
for e in d.entries:
    pub = e.get('published_parsed')
    out['entries'].append({
        'title': e.get('title'),
        'link': e.get('link'),
        'id': e.get('id'),
        'published': calendar.timegm(pub) if pub else None,
        'author': e.get('author'),
        'tags': [t.get('term') for t in e.get('tags', [])],
        'summary': e.get('summary'),
        'content': (e.get('content') or [{}])[0].get('value'),
    })
json.dump(out, sys.stdout)
