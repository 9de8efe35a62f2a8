#!/usr/bin/perl

# Search, news_search and news_search_index: the index file is made by
# nginx's worker 0 from the content database and kept current; the search
# page finds, for 1-, 2-, 3- and 6-character Han queries, exactly the
# posts a plain substring search of their titles, summaries and
# paragraphs finds, newest first, paged; mixed Han and Latin queries,
# full-width forms, and FTS5's syntax searched as text; an edit
# searchable within seconds, a deleted post gone at once, a scheduled one
# hidden; plain sqlite3 UPDATEs while the index exists; hostile queries
# (NUL, invalid UTF-8, 10 KB, 101 characters, punctuation only) a 400
# with the form; valid HTML; the search box on every page; an index
# removed is made again; an index that is the news_db refused.

use strict;
use warnings;
use utf8;

use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use NewsTest;
use Encode qw(encode_utf8 decode_utf8);
use POSIX qw(strftime);

binmode Test::More->builder->$_, ':encoding(UTF-8)'
    for qw(output failure_output todo_output);

my $t = NewsTest->new;
$t->skip_unless_built;

$t->db_init;

###############################################################################

# a corpus over few characters, so that short queries find many posts
my @HAN = split //, '新闻中国经济科技测试闭包基站发展';
my @WORDS = ('5G', 'iPhone', 'near', 'Linux');

my $seed = 12345;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; $seed % $_[0] }
sub han { join '', map { $HAN[rnd(scalar @HAN)] } 1 .. $_[0] }

my $N = 48;
my @posts;

for my $i (1 .. $N) {
    my %p = (
        title => han(4 + rnd(5)),
        summary => han(8),
        paras => [ han(20 + rnd(20)), han(10 + rnd(10)) ],
        date => sprintf('2023-%02d-%02d %02d:00:00 +0800',
                        1 + $i % 12, 1 + $i % 28, $i % 24),
    );
    # a Latin word in some paragraphs, set apart by spaces
    $p{paras}[1] .= ' ' . $WORDS[($i / 3) % 4] . ' ' . han(3)
        if $i % 3 == 0;
    push @posts, \%p;
}

my @codes = $t->add_posts(map {
    +{ title => "seed $_", categories => 'world',
       category_name => encode_utf8('国际'),
       date => $posts[$_ - 1]{date} }
} 1 .. $N);

sub q_ { my $s = shift; $s =~ s/'/''/g; "'$s'" }

my $sql = '';
for my $i (0 .. $N - 1) {
    my $p = $posts[$i];
    $p->{code} = $codes[$i];
    my $body = join '', map { "<p>$_</p>" } @{ $p->{paras} };
    $sql .= "UPDATE posts SET title = " . q_($p->{title})
        . ", summary = " . q_($p->{summary})
        . ", body_html = " . q_($body)
        . " WHERE info_code = '$codes[$i]';\n";
}
$t->sql(encode_utf8($sql));

# newest first: the order the results come in
my @by_date = sort { $b->{date} cmp $a->{date} } @posts;

# what a plain substring search finds, in the search's order
sub substring {
    my ($q) = @_;
    return [ map { $_->{code} } grep {
        my $p = $_;
        grep { index($_, $q) >= 0 } $p->{title}, $p->{summary},
            @{ $p->{paras} }
    } @by_date ];
}

my $index = $t->{prefix} . '/search.db';

$t->write_conf($t->conf_server(<<EOF, server => <<'EOS'));
        location = /search {
            news_search;
        }
        location = /search-en {
            news_search;
            news_language en;
        }
EOF
        news_search_index search.db;
        news_search_form /search;
EOS
$t->run;

###############################################################################

sub uri_q {
    my ($q) = @_;
    my $b = ref $q ? $$q : encode_utf8($q);
    $b =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $b;
}

# every result of a query, page after page: the infoCodes, in order
sub search_all {
    my ($q, $extra) = @_;
    my (@found, $last);
    my $uri = '/search?q=' . uri_q($q) . ($extra // '');

    for my $page (1 .. 60) {
        my $r = $t->get($uri);
        return ("status $r->{status}") if $r->{status} != 200;
        $last = $r;
        my $body = decode_utf8($r->{body});
        my ($list) = $body =~ m{<ol class="posts results">(.*?)</ol>}s;
        push @found, $list =~ m{<li><a href="/[^"]*/(NW\d+)\.html">}g
            if defined $list;
        my ($next) = $body =~ m{<a rel="next" href="([^"]+)">};
        last unless $next;
        ($uri = $next) =~ s/&amp;/&/g;
    }

    return (\@found, $last);
}

sub wait_found {
    my ($q, $code, $want) = @_;
    for (1 .. 100) {
        my ($found) = search_all($q);
        my $has = ref $found && grep { $_ eq $code } @$found;
        return 1 if !!$has == !!$want;
        select undef, undef, undef, 0.1;
    }
    return 0;
}

# the first pass makes the index: every post is there within seconds
ok(wait_found($posts[0]{title}, $posts[0]{code}, 1),
    'the index made by nginx, the posts in it');
ok(-f $index, 'the index file exists');

###############################################################################

# Han queries of 1, 2, 3 and 6 characters: exactly a substring search

for my $len (1, 2, 3, 6) {
    my $bad = 0;
    for my $k (0 .. 5) {
        my $p = $posts[rnd($N)];
        my $text = $p->{paras}[0];
        my $q = substr($text, rnd(length($text) - $len + 1), $len);
        my ($found) = search_all($q);
        my $want = substring($q);
        unless (ref $found && "@$found" eq "@$want") {
            $bad++;
            diag("q=$q: found " . (ref $found ? scalar @$found : $found)
                . ", a substring search " . scalar(@$want));
        }
    }
    is($bad, 0, "$len-character queries: the substring search's results,"
        . " newest first");
}

# across two paragraphs is no substring of either
{
    my $p = $posts[5];
    my $q = substr($p->{paras}[0], -2) . substr($p->{paras}[1], 0, 2);
    my ($found) = search_all($q);
    is_deeply($found, substring($q), 'across paragraphs: as a substring');
}

# mixed queries: words AND-ed
{
    my ($with5g) = grep { $_->{paras}[1] =~ /\b5G\b/ } @posts;
    my ($tail) = $with5g->{paras}[1] =~ /5G (\S+)/;
    my $han = substr($tail, 0, 2);
    my ($found) = search_all("5G $han");
    my @want = map { $_->{code} } grep {
        $_->{paras}[1] =~ /\b5G\b/
            && grep { index($_, $han) >= 0 } $_->{title}, $_->{summary},
                @{ $_->{paras} }
    } @by_date;
    is_deeply($found, \@want, "mixed: \"5G $han\"");

    my ($fw) = search_all("５Ｇ $han");
    is_deeply($fw, \@want, 'full-width "５Ｇ" is "5G"');

    my ($lc) = search_all("5g $han");
    is_deeply($lc, \@want, 'any case');

    my @iphone = map { $_->{code} }
        grep { $_->{paras}[1] =~ /\biPhone\b/ } @by_date;
    my ($ip) = search_all('IPHONE');
    is_deeply($ip, \@iphone, 'a Latin word, any case');
}

# FTS5's syntax is text here
{
    my $q = substr($posts[2]{paras}[0], 0, 2);
    my ($plain) = search_all($q);

    for my $s ("\"$q", "$q*", "$q\"", "($q)", "-$q", "$q:", "^$q",
               "$q OR $q", "$q AND") {
        my ($found, $r) = search_all($s);
        ok(ref $found, "\"$s\": answered 200") or next;
        if ($s =~ /OR|AND/) {
            # the words or and and are searched for, and no post has them
            is_deeply($found, [], "\"$s\": OR, AND searched as words");
        } else {
            is_deeply($found, $plain, "\"$s\": the syntax is text");
        }
    }

    my @near = map { $_->{code} }
        grep { $_->{paras}[1] =~ /\bnear\b/ } @by_date;
    my ($found) = search_all('NEAR');
    is_deeply($found, \@near, 'NEAR: the word near');

    for my $s ('"', '*', ':', '-', 'NEAR(', '"*"') {
        my $r = $t->get('/search?q=' . uri_q($s));
        ok($r->{status} == 400 || $r->{status} == 200,
            "\"$s\": no 500 ($r->{status})");
    }
}

###############################################################################

# the page: valid HTML, the box with the words, marks, the site's theme

{
    my $q = substr($posts[0]{title}, 0, 2);
    my $r = $t->get('/search?q=' . uri_q($q));
    is($r->{status}, 200, 'a result page: 200');
    my $body = decode_utf8($r->{body});
    $t->valid_html($r->{body}, 'a result page: valid HTML');
    like($body, qr{<mark>\Q$q\E</mark>}, 'the words marked');
    like($body, qr{<input type="search" name="q"[^>]* value="\Q$q\E"},
        'the box holds the words');
    like($body, qr{<meta name="robots" content="noindex">},
        'search pages are not for indexing');
    like($body, qr{<a class="category" href="/category/world.html">国际</a>},
        'each result names its category');

    my $en = $t->get('/search-en?q=' . uri_q($q));
    like(decode_utf8($en->{body}), qr{<button type="submit">Search</button>},
        'in the site\'s language');

    $r = $t->get('/search');
    is($r->{status}, 200, 'no q: the form');
    $t->valid_html($r->{body}, 'the form: valid HTML');
    like($r->{body}, qr{<form class="search"}, 'the form is there');
    unlike($r->{body}, qr{<ol class="posts results">}, 'and no results');

    $r = $t->get('/search?q=+++');
    is($r->{status}, 200, 'only spaces: the form');

    my ($found, $last) = search_all('闭包测试经济发展科技');
    ok(ref $found, 'nothing found: 200');
    like(decode_utf8($last->{body}), qr{没有找到}, 'and says so');

    $r = $t->get('/search?q=' . uri_q(substr($posts[0]{title}, 0, 1))
        . '&page=50');
    is($r->{status}, 404, 'a page past the results: 404');
    $r = $t->get('/search?q=x&page=51');
    is($r->{status}, 400, 'a page past the last there may be: 400');
    $r = $t->get('/search?q=x&sort=oldest');
    is($r->{status}, 400, 'an unknown sort: 400');

    my ($rel) = search_all($q, '&sort=relevance');
    my ($new) = search_all($q);
    is_deeply([ sort @$rel ], [ sort @$new ],
        'by relevance: the same posts');

    my $page = $t->get('/' . 'category/world.html');
    like($page->{body},
        qr{<form class="search" role="search" method="get" action="/search">},
        'the search box on the other pages');
}

###############################################################################

# hostile queries: a 400 with the form, one log line, never a crash

for my $c (['%00', 'a NUL'], ['%FF%FE', 'invalid UTF-8'],
           [uri_q('新' x 101), '101 characters'],
           ['a' x 4000, '4 KB (nginx answers 414 past its 8 KB buffers)'],
           [uri_q('！？。，'), 'punctuation only'],
           [uri_q(join ' ', ('新') x 40), 'too many words']) {
    my ($q, $what) = @$c;
    my $r = $t->get("/search?q=$q");
    is($r->{status}, 400, "$what: 400");
    like($r->{body}, qr{<form class="search"}, "$what: with the form");
    like($r->{body}, qr{class="search-error"}, "$what: and why");
    $t->valid_html($r->{body}, "$what: valid HTML");
}

###############################################################################

# freshness: an edit, a deletion, a scheduled post; plain sqlite3 edits

{
    my $p = $posts[10];
    my ($rc, undef, $err) = $t->run_cmd(
        encode_utf8("UPDATE posts SET title = title || '独特词'"
                    . " WHERE info_code = '$p->{code}';"),
        '/usr/bin/sqlite3', $t->{db});
    is($rc, 0, 'a plain sqlite3 UPDATE while the index exists') or diag $err;
    ok(wait_found('独特词', $p->{code}, 1), 'the edit searchable soon');

    my $q = substr($posts[12]{paras}[0], 0, 3);
    my ($before) = search_all($q);
    ok((grep { $_ eq $posts[12]{code} } @$before), 'found before deletion');
    $t->sql("UPDATE posts SET status = 'deleted'"
        . " WHERE info_code = '$posts[12]{code}';");
    my ($after) = search_all($q);
    ok(!(grep { $_ eq $posts[12]{code} } @$after), 'deleted: gone at once');

    my $at = strftime('%Y-%m-%d %H:%M:%S +0800',
                      gmtime(time + 3600 + 8 * 3600));
    my ($later) = $t->add_posts({ title => 'later', categories => 'world',
        category_name => encode_utf8('国际'), date => $at });
    $t->sql(encode_utf8("UPDATE posts SET title = '未来词的文章'"
        . " WHERE info_code = '$later';"));
    # the indexer has seen it when a later edit is searchable
    my $m = $posts[20];
    $t->sql(encode_utf8("UPDATE posts SET title = title || '之后词'"
        . " WHERE info_code = '$m->{code}';"));
    ok(wait_found('之后词', $m->{code}, 1), 'a later edit indexed');
    my ($none) = search_all('未来词');
    is_deeply($none, [], 'a scheduled post: not before its time');
}

###############################################################################

# the index removed: made again by the next pass, and searched again

{
    unlink $index, "$index-wal", "$index-shm";
    my $made = 0;
    for (1 .. 100) {
        last if $made = -f $index;
        select undef, undef, undef, 0.05;
    }
    ok($made, 'an index removed is made again');
    sleep 1;
    ok(wait_found($posts[1]{title}, $posts[1]{code}, 1),
        'and searched again');
    my @full = $t->error_log =~ /indexed or removed in \d+ ms \(a full pass\)/g;
    is(scalar @full, 2, 'by a full pass, the second since nginx started');
}

# newsctl: the same search, and a full pass beside nginx
{
    my $q = substr($posts[3]{paras}[0], 0, 2);
    my ($found) = search_all($q);
    my ($rc, $out, $err) = $t->run_cmd(undef, NewsTest::newsctl(), 'search',
        '--db', $t->{db}, '--index', $index, '--query', encode_utf8($q));
    is($rc, 0, "newsctl search: exit 0") or diag "rc=$rc out=$out err=$err";
    is_deeply([ split /\n/, $out ], $found,
        'newsctl search finds what the page finds');

    ($rc, $out, $err) = $t->run_cmd(undef, NewsTest::newsctl(), 'reindex',
        '--db', $t->{db}, '--index', $index);
    is($rc, 0, 'newsctl reindex beside nginx: exit 0') or diag $err;
    like($out, qr/post\(s\) indexed or removed/, 'newsctl reindex says so');
    my ($again) = search_all($q);
    is_deeply($again, $found, 'and the results are as they were');
}

like($t->error_log, qr/search index .* post\(s\) indexed/,
    'the passes are logged');
ok(!$t->crashed, 'no worker crashed');

$t->stop;

# the index may not be a news_db
$t->write_conf($t->conf_server(<<'EOF', server => <<'EOS'));
        location = /search { news_search; }
EOF
        news_search_index %%DB%%;
EOS
my ($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t: a news_db as the index is refused');
like($out, qr/is a news_db, not a search index/, 'and says why');

# an index that cannot be made: said once, the page a 503, nothing left
# open by each failed pass (the sanitizer run checks for leaks at exit)
open my $junk, '>', "$t->{prefix}/junk.db" or die "junk.db: $!\n";
print $junk 'x' x 8192;
close $junk;

$t->write_conf($t->conf_server(<<'EOF', server => <<'EOS'));
        location = /search { news_search; }
        location = /junk {
            news_db junk.db;
            news_search_index junk-search.db;
            news_search;
        }
EOF
        news_search_index nowhere/search.db;
EOS
$t->run;
select undef, undef, undef, 2.5;
my @junk = $t->error_log =~ /^.*\[error\].*search index "[^"]*junk-search.*$/mg;
is(scalar @junk, 1, 'a content file that is no database: said once')
    or diag join "\n", @junk;
is($t->get('/search?q=' . uri_q('新闻'))->{status}, 503,
    'no index can be made: 503');
my @said = grep { !/cannot be read/ }
    $t->error_log =~ /^.*\[error\].*search index "[^"]*nowhere.*$/mg;
is(scalar @said, 1, 'the passes\' failure said once, not each second')
    or diag join "\n", @said;
like($t->error_log, qr/search index "[^"]*nowhere[^"]*" cannot be read/,
    'and the page\'s');
$t->stop;

# news_search needs an index
$t->write_conf($t->conf_server(<<'EOF'));
        location = /search { news_search; }
EOF
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t: news_search without news_search_index refused');
like($out, qr/"news_search" requires "news_search_index"/, 'and says why');

done_testing;
