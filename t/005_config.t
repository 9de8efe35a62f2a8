#!/usr/bin/perl

# Directive validation: nginx -t refuses bad values of the module's
# directives, naming nginx.conf and the line, and a template of a kind
# there is none of; it refuses the values of news_readership,
# news_timezone and news_bot_pattern it cannot use, and accepts good ones.
# What nginx -t says of templates themselves (placeholders, missing files)
# is t/090_templates.t's; of GeoIP and readership files, t/200_geoip.t's,
# t/220_readership_faults.t's and t/250_readership_files.t's.

use strict;
use warnings;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use NewsMMDB;

my $t = NewsTest->new;
$t->skip_unless_built;

my $p = $t->prefix;
$t->db_init;

###############################################################################

# bad directive values name nginx.conf and the line

for my $case (
    [ 'news_share_redirect 303;', 'share', 'redirect 303' ],
    [ 'news_share_redirect on;', 'share', 'redirect on' ],
    [ 'news_page_size abc;', 'category', 'page size abc' ],
    [ 'news_page_size -1;', 'category', 'page size -1' ],
    [ 'news_info_code_pattern "([A-Z";', 'share', 'bad regex' ],
)
{
    my ($directive, $where, $name) = @$case;
    $t->write_conf($t->conf_server('', $where => $directive));
    my ($rc, $out) = $t->test_conf;
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, qr/nginx\.conf:\d+/, "$name: file and line");
}

my ($rc, $out);

# news_db's one parameter, and one file named a snapshot in one place and
# not in another

$t->write_conf($t->conf_server('', db => '%%DB%% frozen'));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'news_db with a parameter not "snapshot": nginx -t fails');
like($out, qr/invalid parameter "frozen"/, 'news_db: the parameter named');

$t->write_conf($t->conf_server('', db => '%%DB%% snapshot',
    category => 'news_db %%DB%%;'));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'a snapshot in one place and not in another: nginx -t fails');
like($out, qr/is a snapshot in one place and not in another/,
    'a snapshot in one place and not in another: said');

$t->write_conf($t->conf_server('', db => '%%DB%% snapshot'));
($rc, $out) = $t->test_conf;
is($rc, 0, 'news_db ... snapshot: nginx -t accepts it');

# a template of a kind there is none of, in a file that is a good article
# template

my $dir = $ENV{TEST_NEWS_TEMPLATES} || $t->templates;
$t->write_file('article.html', $t->read_file("$dir/article.html"));
$t->write_conf($t->conf_server(
    "        news_template sidebar %%PREFIX%%/article.html;\n"));
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'unknown template kind: nginx -t fails');
like($out, qr/sidebar/, 'unknown template kind: named');

###############################################################################

# the readership directives, in a server that reads a GeoIP database

SKIP: {
    skip NewsMMDB::why_not(), 10 unless NewsMMDB::available();

    NewsMMDB::write("$p/city.mmdb", {
        '81.2.69.142/32' => { country => 'GB', subdivision => 'ENG' },
        '216.160.83.56/32' => { country => 'US', subdivision => 'WA' },
        '2001:218::/32' => { country => 'JP' },
    });

    my $conf = sub {
        my ($http) = @_;
        return $t->conf_server(<<'EOF', http => <<"EOF2");
        location = /soff { news_share; news_share_redirect off; }
EOF
    news_geoip_db $p/city.mmdb;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    $http
EOF2
    };

    my $rdb = 'db=%%PREFIX%%/readership.db';
    for my $bad ("news_readership zone=readers:1m $rdb flush=50ms;",
        "news_readership zone=readers:1m $rdb flush=soon;",
        "news_readership zone=readers $rdb;",
        'news_readership zone=readers:1m;',
        "news_readership zone=readers:1m $rdb; news_timezone Mars/Olympus;",
        "news_readership zone=readers:1m $rdb; news_timezone +14:60;",
        "news_readership zone=readers:1m $rdb; news_timezone +25:00;",
        "news_readership zone=readers:1m $rdb; news_bot_pattern \"(\";")
    {
        $t->write_conf($conf->($bad));
        my ($rc, $out) = $t->test_conf;
        isnt($rc, 0, "nginx -t refuses: $bad");
    }
    for my $good ("news_readership zone=readers:1m $rdb flush=100ms;",
        "news_readership zone=readers:1m $rdb flush=2s; "
            . 'news_timezone -03:30;')
    {
        $t->write_conf($conf->($good));
        my ($rc, $out) = $t->test_conf;
        is($rc, 0, "nginx -t accepts: $good") or diag($out);
    }
}

done_testing;
