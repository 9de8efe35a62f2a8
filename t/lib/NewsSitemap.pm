package NewsSitemap;

# Sitemaps read with a real XML parser: t/lib/sitemap_parse.py
# (python3's xml.dom.minidom) parses the body and hands back what the
# tests check.
#
#   my ($doc, $why) = NewsSitemap::parse($t, $r->{body});
#   ok($doc, 'well-formed') or diag $why;
#   # $doc->{root}: urlset or sitemapindex; $doc->{urls}: [{ loc,
#   # lastmod, news => { name, language, publication_date, title } }];
#   # $doc->{sitemaps}: [{ loc }]

use strict;
use warnings;

use FindBin;
use JSON::PP;

my $PARSER = "$FindBin::Bin/lib/sitemap_parse.py";

sub parse {
    my ($t, $body) = @_;
    my ($rc, $out, $err) = $t->run_cmd($body, '/usr/bin/python3', $PARSER);
    return (undef, "$out$err") if $rc;
    return JSON::PP->new->decode($out);
}

# the locs of a document, in order
sub locs {
    my ($doc) = @_;
    return map { $_->{loc} } @{ $doc->{urls} }, @{ $doc->{sitemaps} };
}

1;
