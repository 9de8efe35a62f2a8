#!/usr/bin/perl

# Request bodies: a method the module does not serve is 405 with its body
# read and dropped; a body nginx cannot read (bad chunked encoding) ends
# the connection, so that no part of it is ever run as another request.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;
$t->add_posts({ title => 'one', categories => 'finance',
    category_name => '财经' });

$t->write_conf($t->conf_server(''));
$t->run;

# a well-formed body: 405, and the connection may go on
my $r = $t->request('POST', '/category/finance.html', -body => 'a=b');
is($r->{status}, 405, 'POST with a body: 405');
is($r->{headers}{allow}, 'GET, HEAD', 'Allow header');

# a chunked body whose chunk size is not a number, carrying a request
my $smuggled = "GET /category/finance.html?page=abc HTTP/1.1\r\n"
    . "Host: localhost\r\n\r\n";
my $raw = $t->raw("POST /category/finance.html HTTP/1.1\r\n"
    . "Host: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n"
    . "zz\r\n$smuggled");

my @statuses = $raw->{raw} =~ m{^HTTP/1\.1 (\d{3})}mg;
is(scalar @statuses, 1, 'one answer on the connection')
    or diag("answers: @statuses");
like($statuses[0] // '', qr/^4\d\d$/, 'a client error for the bad body');
unlike($t->error_log, qr/invalid page "abc"/,
    'the request in the body was never run');

done_testing();
